package handler_test

import (
	"net/http"
	"testing"

	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/favorite"
)

// A favorite list costs the same calls at any length: the liked ids with their likes' part of the
// page (favorite counts, the caller's likes, the authors' counts), then the videos, the authors'
// profiles, their relation counts and the comment counts. It keeps the like order and leaves out
// videos deleted since.
func TestFavoriteListCallsDoNotDependOnLength(t *testing.T) {
	for _, n := range []int{1, 40} {
		b := fakes.New()
		for i := n; i >= 1; i-- {
			b.Liked = append(b.Liked, int64(i))
		}
		b.Liked = append(b.Liked, fakes.MissingFrom) // a deleted video
		body := call(t, gateway(t, b), http.MethodGet, "/douyin/favorite/list/?token=u7&user_id=3")
		if code(body) != 0 {
			t.Fatalf("n=%d: %v", n, body)
		}
		list := body["video_list"].([]any)
		if len(list) != n {
			t.Fatalf("n=%d: %d videos", n, len(list))
		}
		for i, v := range list {
			video := v.(map[string]any)
			id := num(video["id"])
			if id != int64(n-i) {
				t.Fatalf("n=%d: video %d is %d; want the like order", n, i, id)
			}
			// The fake world's counts, from the list's own stats.
			author := video["author"].(map[string]any)
			if num(video["favorite_count"]) != 2*id || video["is_favorite"] != (id%2 == 0) ||
				num(author["id"]) != fakes.AuthorOf(id) || num(author["total_favorited"]) != fakes.AuthorOf(id) ||
				num(author["follower_count"]) != 100*fakes.AuthorOf(id) || num(video["comment_count"]) != id+1 {
				t.Fatalf("n=%d: video %d = %v", n, id, video)
			}
		}
		if got := b.Total(); got != 5 || b.Calls("favorite.Stats") != 0 {
			t.Fatalf("n=%d: %d calls %v; want 5, favorite.Stats not among them", n, got, b.CallCounts())
		}
		if req := b.Last("favorite.ListFavorites").(*favorite.ListFavoritesQuery); req.UserId != 3 || req.ViewerId != 7 {
			t.Fatalf("listed the likes as %+v; want user_id 3 for the caller 7", req)
		}
	}
}

func TestFavoriteListEmptyAndDefaultUser(t *testing.T) {
	b := fakes.New()
	body := call(t, gateway(t, b), http.MethodGet, "/douyin/favorite/list/?token=u7")
	if code(body) != 0 || !isEmptyList(body["video_list"]) {
		t.Fatalf("empty favorite list = %v", body)
	}
	if req := b.Last("favorite.ListFavorites").(*favorite.ListFavoritesQuery); req.UserId != 7 || b.Total() != 1 {
		t.Fatalf("without user_id: listed user %d with calls %v; want the caller, one call", req.UserId, b.CallCounts())
	}
	b.Fail("favorite.ListFavorites", fakes.Unreachable())
	if body := call(t, gateway(t, b), http.MethodGet, "/douyin/favorite/list/?token=u7"); code(body) != 10004 || !isEmptyList(body["video_list"]) {
		t.Fatalf("favorite list with the service down = %v; want 10004 and []", body)
	}
}

// The caller comes from the token only: a user_id parameter does not change who likes. A wrong
// action_type is refused with the favorite service's own code before any call.
func TestFavoriteActionIdentityAndParameters(t *testing.T) {
	b := fakes.New()
	e := gateway(t, b)
	if body := call(t, e, http.MethodPost, "/douyin/favorite/action/?token=u7&user_id=99&video_id=5&action_type=2"); code(body) != 0 {
		t.Fatalf("unlike = %v", body)
	}
	req := b.Last("favorite.FavoriteAction").(*favorite.FavoriteActionRequest)
	if req.UserId != 7 || req.VideoId != 5 || req.Action != favorite.FavoriteAction_UNLIKE {
		t.Fatalf("FavoriteAction request = %+v", req)
	}
	b.Reset()
	for q, want := range map[string]int64{
		"video_id=abc&action_type=1": 10001, "video_id=-1&action_type=1": 10001, "action_type=1": 10001,
		"video_id=5&action_type=like": 13001, "video_id=5&action_type=3": 13001, "video_id=5": 13001,
	} {
		if body := call(t, e, http.MethodPost, "/douyin/favorite/action/?token=u7&"+q); code(body) != want {
			t.Fatalf("%s answered %v; want %d", q, body, want)
		}
	}
	if b.Total() != 0 {
		t.Fatalf("bad parameters reached the services: %v", b.CallCounts())
	}
	// The service's refusal reaches the phone unchanged.
	b.Fail("favorite.FavoriteAction", fakes.BizErr(errno.VideoNotFound))
	if body := call(t, e, http.MethodPost, "/douyin/favorite/action/?token=u7&video_id=5&action_type=1"); code(body) != 12001 {
		t.Fatalf("like of a missing video = %v; want 12001", body)
	}
}
