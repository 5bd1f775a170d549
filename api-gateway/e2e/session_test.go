//go:build integration

package e2e

import (
	"fmt"
	"testing"
	"time"

	"simpletiktok/api-gateway/e2e/e2etest"
)

// One phone session of three users through all sixteen endpoints, every count and flag compared
// with what was done; then the trace of a logged-in feed read.
func TestPhoneSessionThroughAllSixteenEndpoints(t *testing.T) {
	p := shared.phone
	type person struct {
		id    int64
		name  string
		token string
	}
	register := func(prefix string) person {
		name := e2etest.Unique(prefix)
		a := e2etest.OK(t, p.Post(t, "/douyin/user/register/", e2etest.Vals("username", name, "password", "pw-"+prefix))) // 2
		return person{id: a.Int("user_id"), name: name, token: a.Str("token")}
	}
	alice, bob, carol := register("alice"), register("bob"), register("carol")
	login := e2etest.OK(t, p.Post(t, "/douyin/user/login/", e2etest.Vals("username", bob.name, "password", "pw-bob"))) // 3
	if login.Int("user_id") != bob.id {
		t.Fatalf("login as bob gave %s", login.Raw)
	}
	bob.token = login.Str("token")
	id := func(n int64) string { return fmt.Sprint(n) }

	// Alice publishes (5); her publish list (6) and the anonymous feed (1) show the video.
	video := publish(t, alice.token, "session video")
	mine := listField(t, p.Get(t, "/douyin/publish/list/", e2etest.Vals("token", bob.token, "user_id", id(alice.id))), "video_list")
	if len(mine) != 1 || e2etest.AsInt(mine[0]["id"]) != video || mine[0]["title"] != "session video" {
		t.Fatalf("alice's publish list = %v", mine)
	}
	feed := e2etest.OK(t, p.Get(t, "/douyin/feed/", nil))
	if e2etest.WithID(listField(t, feed, "video_list"), video) == nil || feed.Int("next_time") <= 0 {
		t.Fatalf("the anonymous feed lacks the new video: %s", feed.Raw)
	}

	// Bob likes it (7) and sees it in his favorite list (8).
	e2etest.OK(t, p.Post(t, "/douyin/favorite/action/", e2etest.Vals("token", bob.token, "video_id", id(video), "action_type", "1")))
	favs := listField(t, p.Get(t, "/douyin/favorite/list/", e2etest.Vals("token", bob.token, "user_id", id(bob.id))), "video_list")
	if len(favs) != 1 || e2etest.AsInt(favs[0]["id"]) != video || favs[0]["is_favorite"] != true || e2etest.AsInt(favs[0]["favorite_count"]) != 1 {
		t.Fatalf("bob's favorite list = %v", favs)
	}

	// Carol comments (9); the list (10) shows it; bob may not delete it, the video's author may.
	posted := e2etest.OK(t, p.Post(t, "/douyin/comment/action/", e2etest.Vals("token", carol.token, "video_id", id(video),
		"action_type", "1", "comment_text", "nice <b>video</b> 👍"))).Obj("comment")
	if posted["content"] != "nice <b>video</b> 👍" || e2etest.AsInt(posted["user"].(map[string]any)["id"]) != carol.id ||
		len(posted["create_date"].(string)) != 5 {
		t.Fatalf("posted comment = %v", posted)
	}
	comments := listField(t, p.Get(t, "/douyin/comment/list/", e2etest.Vals("token", bob.token, "video_id", id(video))), "comment_list")
	if len(comments) != 1 || e2etest.AsInt(comments[0]["id"]) != e2etest.AsInt(posted["id"]) {
		t.Fatalf("comment list = %v", comments)
	}
	e2etest.Refused(t, p.Post(t, "/douyin/comment/action/", e2etest.Vals("token", bob.token, "video_id", id(video),
		"action_type", "2", "comment_id", id(e2etest.AsInt(posted["id"])))))
	deleted := e2etest.OK(t, p.Post(t, "/douyin/comment/action/", e2etest.Vals("token", alice.token, "video_id", id(video),
		"action_type", "2", "comment_id", id(e2etest.AsInt(posted["id"])))))
	if _, present := deleted.Body["comment"]; present {
		t.Fatalf("the delete answered a comment key: %s", deleted.Raw)
	}
	if left := listField(t, p.Get(t, "/douyin/comment/list/", e2etest.Vals("video_id", id(video))), "comment_list"); len(left) != 0 {
		t.Fatalf("after the delete the comment list is %v", left)
	}

	// Follows (11): bob and alice follow each other, carol follows alice.
	for _, f := range []struct{ who, to person }{{bob, alice}, {alice, bob}, {carol, alice}} {
		e2etest.OK(t, p.Post(t, "/douyin/relation/action/", e2etest.Vals("token", f.who.token, "to_user_id", id(f.to.id), "action_type", "1")))
	}
	following := listField(t, p.Get(t, "/douyin/relation/follow/list/", e2etest.Vals("token", bob.token, "user_id", id(bob.id))), "user_list") // 12
	if len(following) != 1 || e2etest.AsInt(following[0]["id"]) != alice.id || following[0]["is_follow"] != true {
		t.Fatalf("bob follows %v", following)
	}
	followers := listField(t, p.Get(t, "/douyin/relation/follower/list/", e2etest.Vals("token", carol.token, "user_id", id(alice.id))), "user_list") // 13
	if len(followers) != 2 || e2etest.AsInt(followers[0]["id"]) != carol.id || e2etest.AsInt(followers[1]["id"]) != bob.id ||
		followers[0]["is_follow"] != false || followers[1]["is_follow"] != false {
		t.Fatalf("alice's followers as carol sees them = %v; want carol then bob, neither followed by carol", followers)
	}

	// Alice writes to bob (16); bob's chat (15) has it; their friend lists (14) carry it.
	e2etest.OK(t, p.Post(t, "/douyin/message/action/", e2etest.Vals("token", alice.token, "to_user_id", id(bob.id), "action_type", "1", "content", "hi bob")))
	chat := listField(t, p.Get(t, "/douyin/message/chat/", e2etest.Vals("token", bob.token, "to_user_id", id(alice.id))), "message_list")
	if len(chat) != 1 || chat[0]["content"] != "hi bob" || e2etest.AsInt(chat[0]["from_user_id"]) != alice.id ||
		e2etest.AsInt(chat[0]["to_user_id"]) != bob.id || e2etest.AsInt(chat[0]["create_time"]) < time.Now().Add(-time.Minute).UnixMilli() {
		t.Fatalf("bob's chat with alice = %v", chat)
	}
	for _, view := range []struct {
		who     person
		msgType int64
	}{{bob, 0}, {alice, 1}} {
		friends := listField(t, p.Get(t, "/douyin/relation/friend/list/", e2etest.Vals("token", view.who.token, "user_id", id(view.who.id))), "user_list")
		if len(friends) != 1 || friends[0]["message"] != "hi bob" || e2etest.AsInt(friends[0]["msgType"]) != view.msgType {
			t.Fatalf("%s's friends = %v; want one friend with message \"hi bob\" and msgType %d", view.who.name, friends, view.msgType)
		}
	}

	// User info (4): every count as the others see it.
	aliceSeen := e2etest.OK(t, p.Get(t, "/douyin/user/", e2etest.Vals("token", bob.token, "user_id", id(alice.id)))).Obj("user")
	want := map[string]int64{"follow_count": 1, "follower_count": 2, "work_count": 1, "total_favorited": 1, "favorite_count": 0}
	for field, n := range want {
		if e2etest.AsInt(aliceSeen[field]) != n {
			t.Fatalf("alice as bob sees her: %s = %v; want %d (%v)", field, aliceSeen[field], n, aliceSeen)
		}
	}
	if aliceSeen["is_follow"] != true {
		t.Fatalf("bob follows alice but is_follow is %v", aliceSeen["is_follow"])
	}
	bobSelf := e2etest.OK(t, p.Get(t, "/douyin/user/", e2etest.Vals("token", bob.token))).Obj("user")
	if e2etest.AsInt(bobSelf["id"]) != bob.id || e2etest.AsInt(bobSelf["favorite_count"]) != 1 || e2etest.AsInt(bobSelf["follower_count"]) != 1 {
		t.Fatalf("bob's own info = %v", bobSelf)
	}

	// The logged-in feed (1) shows bob's like and follow, and its trace reaches the storage (SQL or
	// cache) of the four services that own its videos and counts (the author's profile was kept by
	// the gateway when an earlier page showed it).
	feed = e2etest.OK(t, p.Get(t, "/douyin/feed/", e2etest.Vals("token", bob.token)))
	v := e2etest.WithID(listField(t, feed, "video_list"), video)
	if v == nil || v["is_favorite"] != true || e2etest.AsInt(v["favorite_count"]) != 1 || e2etest.AsInt(v["comment_count"]) != 0 ||
		v["author"].(map[string]any)["is_follow"] != true {
		t.Fatalf("bob's feed shows the video as %v", v)
	}
	waitForSpans(t, feed.TraceID, []string{"api-gateway HTTP GET /douyin/feed/",
		"video video::Feed", "video storage", "relation relation::UserStats", "relation storage",
		"favorite favorite::Stats", "favorite storage", "comment comment::CountComments", "comment storage"})
}
