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
