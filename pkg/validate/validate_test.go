package validate

import (
	"cmp"
	"errors"
	"testing"

	"simpletiktok/pkg/errno"
)

func TestID(t *testing.T) {
	if err := ID("user_id", 1); err != nil {
		t.Fatalf("ID(1) = %v", err)
	}
	for _, id := range []int64{0, -1} {
		err := ID("video_id", id)
		e, ok := errno.From(err)
		if !errors.Is(err, errno.BadRequest) || !ok || e.Msg != "video_id must be a positive integer" {
			t.Fatalf("ID(%d) = %v; want BadRequest naming video_id", id, err)
		}
	}
	// The first failure of several wins, as the package comment shows.
	err := cmp.Or(ID("user_id", 3), ID("video_id", 0), ID("comment_id", -1))
	if e, _ := errno.From(err); e == nil || e.Msg != "video_id must be a positive integer" {
		t.Fatalf("cmp.Or of checks = %v; want the video_id failure", err)
	}
}

func TestRequestKey(t *testing.T) {
	for _, ok := range []string{"", "a", "0f8fad5b-d9cb-469f-a165-70867728950e", "01HZY:3.x_y"} {
		if err := RequestKey(ok); err != nil {
			t.Errorf("RequestKey(%q) = %v", ok, err)
		}
	}
	long := make([]byte, MaxRequestKey+1)
	for i := range long {
		long[i] = 'k'
	}
	for _, bad := range []string{string(long), "has space", "é", "semi;colon", "new\nline"} {
		if err := RequestKey(bad); !errors.Is(err, errno.BadRequest) {
			t.Errorf("RequestKey(%q) = %v; want BadRequest", bad, err)
		}
	}
	if RequestKey(string(long[:MaxRequestKey])) != nil {
		t.Error("a key of exactly MaxRequestKey characters is refused")
	}
}
