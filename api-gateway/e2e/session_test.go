//go:build integration

package e2e

import (
	"fmt"
	"testing"
	"time"
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
		name := uniqueName(prefix)
		a := ok(t, p.post(t, "/douyin/user/register/", vals("username", name, "password", "pw-"+prefix))) // 2
		return person{id: asInt(a.body["user_id"]), name: name, token: a.str("token")}
	}
	alice, bob, carol := register("alice"), register("bob"), register("carol")
	login := ok(t, p.post(t, "/douyin/user/login/", vals("username", bob.name, "password", "pw-bob"))) // 3
	if asInt(login.body["user_id"]) != bob.id {
		t.Fatalf("login as bob gave %s", login.raw)
	}
	bob.token = login.str("token")
	id := func(n int64) string { return fmt.Sprint(n) }

	// Alice publishes (5); her publish list (6) and the anonymous feed (1) show the video.
	video := publish(t, alice.token, "session video")
	mine := listField(t, p.get(t, "/douyin/publish/list/", vals("token", bob.token, "user_id", id(alice.id))), "video_list")
	if len(mine) != 1 || asInt(mine[0]["id"]) != video || mine[0]["title"] != "session video" {
		t.Fatalf("alice's publish list = %v", mine)
	}
	feed := ok(t, p.get(t, "/douyin/feed/", nil))
	if withID(listField(t, feed, "video_list"), video) == nil || asInt(feed.body["next_time"]) <= 0 {
		t.Fatalf("the anonymous feed lacks the new video: %s", feed.raw)
	}

	// Bob likes it (7) and sees it in his favorite list (8).
	ok(t, p.post(t, "/douyin/favorite/action/", vals("token", bob.token, "video_id", id(video), "action_type", "1")))
	favs := listField(t, p.get(t, "/douyin/favorite/list/", vals("token", bob.token, "user_id", id(bob.id))), "video_list")
	if len(favs) != 1 || asInt(favs[0]["id"]) != video || favs[0]["is_favorite"] != true || asInt(favs[0]["favorite_count"]) != 1 {
		t.Fatalf("bob's favorite list = %v", favs)
	}

	// Carol comments (9); the list (10) shows it; bob may not delete it, the video's author may.
	posted := ok(t, p.post(t, "/douyin/comment/action/", vals("token", carol.token, "video_id", id(video),
		"action_type", "1", "comment_text", "nice <b>video</b> 👍"))).obj("comment")
	if posted["content"] != "nice <b>video</b> 👍" || asInt(posted["user"].(map[string]any)["id"]) != carol.id ||
		len(posted["create_date"].(string)) != 5 {
		t.Fatalf("posted comment = %v", posted)
	}
	comments := listField(t, p.get(t, "/douyin/comment/list/", vals("token", bob.token, "video_id", id(video))), "comment_list")
	if len(comments) != 1 || asInt(comments[0]["id"]) != asInt(posted["id"]) {
		t.Fatalf("comment list = %v", comments)
	}
	refused(t, p.post(t, "/douyin/comment/action/", vals("token", bob.token, "video_id", id(video),
		"action_type", "2", "comment_id", id(asInt(posted["id"])))))
	deleted := ok(t, p.post(t, "/douyin/comment/action/", vals("token", alice.token, "video_id", id(video),
		"action_type", "2", "comment_id", id(asInt(posted["id"])))))
	if _, present := deleted.body["comment"]; present {
		t.Fatalf("the delete answered a comment key: %s", deleted.raw)
	}
	if left := listField(t, p.get(t, "/douyin/comment/list/", vals("video_id", id(video))), "comment_list"); len(left) != 0 {
		t.Fatalf("after the delete the comment list is %v", left)
	}

	// Follows (11): bob and alice follow each other, carol follows alice.
	for _, f := range []struct{ who, to person }{{bob, alice}, {alice, bob}, {carol, alice}} {
		ok(t, p.post(t, "/douyin/relation/action/", vals("token", f.who.token, "to_user_id", id(f.to.id), "action_type", "1")))
	}
	following := listField(t, p.get(t, "/douyin/relation/follow/list/", vals("token", bob.token, "user_id", id(bob.id))), "user_list") // 12
	if len(following) != 1 || asInt(following[0]["id"]) != alice.id || following[0]["is_follow"] != true {
		t.Fatalf("bob follows %v", following)
	}
	followers := listField(t, p.get(t, "/douyin/relation/follower/list/", vals("token", carol.token, "user_id", id(alice.id))), "user_list") // 13
	if len(followers) != 2 || asInt(followers[0]["id"]) != carol.id || asInt(followers[1]["id"]) != bob.id ||
		followers[0]["is_follow"] != false || followers[1]["is_follow"] != false {
		t.Fatalf("alice's followers as carol sees them = %v; want carol then bob, neither followed by carol", followers)
	}

	// Alice writes to bob (16); bob's chat (15) has it; their friend lists (14) carry it.
	ok(t, p.post(t, "/douyin/message/action/", vals("token", alice.token, "to_user_id", id(bob.id), "action_type", "1", "content", "hi bob")))
	chat := listField(t, p.get(t, "/douyin/message/chat/", vals("token", bob.token, "to_user_id", id(alice.id))), "message_list")
	if len(chat) != 1 || chat[0]["content"] != "hi bob" || asInt(chat[0]["from_user_id"]) != alice.id ||
		asInt(chat[0]["to_user_id"]) != bob.id || asInt(chat[0]["create_time"]) < time.Now().Add(-time.Minute).UnixMilli() {
		t.Fatalf("bob's chat with alice = %v", chat)
	}
	for _, view := range []struct {
		who     person
		msgType int64
	}{{bob, 0}, {alice, 1}} {
		friends := listField(t, p.get(t, "/douyin/relation/friend/list/", vals("token", view.who.token, "user_id", id(view.who.id))), "user_list")
		if len(friends) != 1 || friends[0]["message"] != "hi bob" || asInt(friends[0]["msgType"]) != view.msgType {
			t.Fatalf("%s's friends = %v; want one friend with message \"hi bob\" and msgType %d", view.who.name, friends, view.msgType)
		}
	}

	// User info (4): every count as the others see it.
	aliceSeen := ok(t, p.get(t, "/douyin/user/", vals("token", bob.token, "user_id", id(alice.id)))).obj("user")
	want := map[string]int64{"follow_count": 1, "follower_count": 2, "work_count": 1, "total_favorited": 1, "favorite_count": 0}
	for field, n := range want {
		if asInt(aliceSeen[field]) != n {
			t.Fatalf("alice as bob sees her: %s = %v; want %d (%v)", field, aliceSeen[field], n, aliceSeen)
		}
	}
	if aliceSeen["is_follow"] != true {
		t.Fatalf("bob follows alice but is_follow is %v", aliceSeen["is_follow"])
	}
	bobSelf := ok(t, p.get(t, "/douyin/user/", vals("token", bob.token))).obj("user")
	if asInt(bobSelf["id"]) != bob.id || asInt(bobSelf["favorite_count"]) != 1 || asInt(bobSelf["follower_count"]) != 1 {
		t.Fatalf("bob's own info = %v", bobSelf)
	}

	// The logged-in feed (1) shows bob's like and follow, and its trace reaches the storage (SQL or
	// cache) of the four services that own its videos and counts (the author's profile was kept by
	// the gateway when an earlier page showed it).
	feed = ok(t, p.get(t, "/douyin/feed/", vals("token", bob.token)))
	v := withID(listField(t, feed, "video_list"), video)
	if v == nil || v["is_favorite"] != true || asInt(v["favorite_count"]) != 1 || asInt(v["comment_count"]) != 0 ||
		v["author"].(map[string]any)["is_follow"] != true {
		t.Fatalf("bob's feed shows the video as %v", v)
	}
	waitForSpans(t, feed.traceID, []string{"api-gateway HTTP GET /douyin/feed/",
		"video video::Feed", "video storage", "relation relation::UserStats", "relation storage",
		"favorite favorite::Stats", "favorite storage", "comment comment::CountComments", "comment storage"})
}
