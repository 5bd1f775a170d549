package handler_test

import (
	"net/http"
	"testing"

	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/pkg/kitex_gen/relation"
	"simpletiktok/pkg/kitex_gen/video"
)

func TestFeed(t *testing.T) {
	b := fakes.New()
	b.FeedVideos = []*video.Video{{Id: 3, AuthorId: 1, PublishTimeMs: 1_700_000_000_300},
		{Id: 2, AuthorId: 2, PublishTimeMs: 1_700_000_000_200}}
	e := gateway(t, b)
	body := call(t, e, http.MethodGet, "/douyin/feed/?latest_time=1700000001")
	list, _ := body["video_list"].([]any)
	if code(body) != 0 || len(list) != 2 || num(body["next_time"]) != 1_700_000_000_200 {
		t.Fatalf("feed = %v", body)
	}
	if req := b.Last("video.Feed").(*video.FeedQuery); req.LatestTimeMs != 1_700_000_001_000 || req.Limit != 30 {
		t.Fatalf("Feed request = %+v; want latest_time in ms and a page of 30", req)
	}
	if v := list[0].(map[string]any); v["is_favorite"] != false || b.Last("relation.UserStats").(*relation.UserStatsQuery).ViewerId != 0 {
		t.Fatalf("an anonymous feed shows %v after calls %v", v, b.CallCounts())
	}
	// A bad latest_time is refused with an empty page and now as next_time.
	body = call(t, e, http.MethodGet, "/douyin/feed/?latest_time=-1")
	if code(body) != 10001 || !isEmptyList(body["video_list"]) || num(body["next_time"]) < 1_700_000_000_000 {
		t.Fatalf("bad latest_time = %v", body)
	}
	// A failed page (its rows could not be read) answers the request's own time.
	b.Fail("user.MGetUsers", fakes.Unreachable())
	body = call(t, e, http.MethodGet, "/douyin/feed/?token=u7&latest_time=1700000001000")
	if code(body) != 10004 || !isEmptyList(body["video_list"]) || num(body["next_time"]) != 1_700_000_001_000 {
		t.Fatalf("failed feed = %v", body)
	}
}

func TestPublishList(t *testing.T) {
	b := fakes.New()
	b.Works = map[int64][]*video.Video{3: {{Id: 12, AuthorId: 3}, {Id: 11, AuthorId: 3}}}
	e := gateway(t, b)
	body := call(t, e, http.MethodGet, "/douyin/publish/list/?token=u7&user_id=3")
	if list, _ := body["video_list"].([]any); code(body) != 0 || len(list) != 2 {
		t.Fatalf("publish list = %v", body)
	}
	if body := call(t, e, http.MethodGet, "/douyin/publish/list/?token=u7"); code(body) != 0 || !isEmptyList(body["video_list"]) {
		t.Fatalf("the caller's empty list = %v", body)
	}
	if req := b.Last("video.ListByAuthor").(*video.ListByAuthorQuery); req.AuthorId != 7 {
		t.Fatalf("without user_id the list of %d was read; want the caller's", req.AuthorId)
	}
	body = call(t, e, http.MethodGet, "/douyin/publish/list/?token=u7&user_id=1500")
	if code(body) != 11003 || !isEmptyList(body["video_list"]) {
		t.Fatalf("a missing user's list = %v; want 11003 and []", body)
	}
}
