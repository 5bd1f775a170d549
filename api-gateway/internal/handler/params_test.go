package handler

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cloudwego/hertz/pkg/common/ut"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/relation"
)

func TestLatestTimeParam(t *testing.T) {
	cases := []struct {
		query   string
		want    int64 // 0: now
		refused bool
	}{
		{"", 0, false},
		{"latest_time=", 0, false},
		{"latest_time=0", 0, false},
		{"latest_time=1700000000", 1_700_000_000_000, false},     // seconds
		{"latest_time=999999999999", 999_999_999_999_000, false}, // the largest value read as seconds
		{"latest_time=1000000000000", 1_000_000_000_000, false},  // the smallest read as milliseconds
		{"latest_time=1700000000999", 1_700_000_000_999, false},  // milliseconds
		{"latest_time=-1", 0, true},
		{"latest_time=12abc", 0, true},
		{"latest_time=99999999999999999999", 0, true},
	}
	for _, c := range cases {
		ctx := ut.CreateUtRequestContext("GET", "/douyin/feed/?"+c.query, nil)
		got, err := latestTimeParam(ctx)
		if got != c.want || (err != nil) != c.refused || c.refused && !errors.Is(err, errno.BadRequest) {
			t.Errorf("%q: %d, %v; want %d (refused %v)", c.query, got, err, c.want, c.refused)
		}
	}
}

func TestTimeParam(t *testing.T) {
	for query, want := range map[string]int64{"": 0, "pre_msg_time=": 0, "pre_msg_time=5": 5,
		"pre_msg_time=1700000000999": 1_700_000_000_999, "pre_msg_time=-5": -1, "pre_msg_time=x": -1} {
		got, err := timeParam(ut.CreateUtRequestContext("GET", "/?"+query, nil), "pre_msg_time", "epoch milliseconds")
		if want < 0 && (err == nil || !errors.Is(err, errno.BadRequest)) || want >= 0 && (err != nil || got != want) {
			t.Errorf("%q: %d, %v; want %d", query, got, err, want)
		}
	}
}

func TestIDParam(t *testing.T) {
	cases := []struct {
		query    string
		fallback int64
		want     int64
		msg      string // "" when accepted
	}{
		{"video_id=5", 0, 5, ""},
		{"video_id=9223372036854775807", 0, 9223372036854775807, ""},
		{"", 7, 7, ""},
		{"video_id=", 7, 7, ""},
		{"", 0, 0, "video_id is required"},
		{"video_id=0", 7, 0, "video_id must be a positive integer"},
		{"video_id=-3", 0, 0, "video_id must be a positive integer"},
		{"video_id=abc", 0, 0, "video_id must be a positive integer"},
		{"video_id=9223372036854775808", 0, 0, "video_id must be a positive integer"},
	}
	for _, c := range cases {
		got, err := idParam(ut.CreateUtRequestContext("GET", "/?"+c.query, nil), "video_id", c.fallback)
		e, _ := errno.From(err)
		if got != c.want || c.msg == "" && err != nil || c.msg != "" && (e == nil || e.Code != errno.BadRequest.Code || e.Msg != c.msg) {
			t.Errorf("%q (fallback %d): %d, %v; want %d %q", c.query, c.fallback, got, err, c.want, c.msg)
		}
	}
}

func TestActionParam(t *testing.T) {
	for query, want := range map[string]relation.RelationAction{
		"action_type=1": relation.RelationAction_FOLLOW, "action_type=2": relation.RelationAction_UNFOLLOW,
		"action_type=3": -1, "action_type=0": -1, "action_type=": -1, "": -1, "action_type=follow": -1,
		"action_type=99999999999": -1,
	} {
		got, err := actionParam(ut.CreateUtRequestContext("POST", "/?"+query, nil), errno.RelationInvalidAction,
			relation.RelationAction_FOLLOW, relation.RelationAction_UNFOLLOW)
		if want < 0 && (got != 0 || !errors.Is(err, errno.RelationInvalidAction)) || want >= 0 && (got != want || err != nil) {
			t.Errorf("%q: %v, %v; want %v", query, got, err, want)
		}
	}
}

// Parameters come from the query string first, then an urlencoded body; a body that is still a
// stream is not read as a form (it may be a large upload).
func TestParamSources(t *testing.T) {
	form := ut.Header{Key: "Content-Type", Value: "application/x-www-form-urlencoded"}
	c := ut.CreateUtRequestContext("POST", "/?video_id=1", nil, form)
	c.Request.SetBody([]byte("video_id=2&user_id=3"))
	if v, _ := param(c, "video_id"); v != "1" {
		t.Fatalf("video_id = %q; want the query's", v)
	}
	if v, _ := param(c, "user_id"); v != "3" {
		t.Fatalf("user_id = %q; want the form's", v)
	}
	streamed := ut.CreateUtRequestContext("POST", "/", nil, form)
	streamed.Request.SetBodyStream(bytes.NewBufferString("user_id=3"), -1)
	if v, ok := param(streamed, "user_id"); ok || v != "" {
		t.Fatalf("a streamed body was read as a form: %q", v)
	}
}
