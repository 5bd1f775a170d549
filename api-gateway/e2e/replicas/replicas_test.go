//go:build integration

package replicas

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"simpletiktok/api-gateway/e2e/e2etest"
	"simpletiktok/pkg/cache/redistest"
	"simpletiktok/pkg/devstack"
	"simpletiktok/pkg/ffmpeg/ffmpegtest"
)

// rounds per condition of Redis: each writes through one gateway and reads through the other,
// the two taking turns, so that both instances of every service serve writes and reads.
const rounds = 4

// member is a user as the phone holds it.
type member struct {
	id    int64
	token string
}

// condition is a state of the stack's Redis during a subtest: set up at its start (and undone
// at its end), and applied again before each write and before the read that checks it.
type condition struct {
	name  string
	start func(t *testing.T, redis *redistest.Server)
	step  func(redis *redistest.Server)
}

// Every kind of write the phone makes, acknowledged through one gateway, is in the very next read
// through the other gateway, exactly: with Redis up, with Redis paused (SIGSTOP: every call to it
// hangs until its timeout), and with Redis flushed before each write and before each read.
// Nothing is retried and nothing waits: the first read must be right.
func TestAWriteThroughOneGatewayIsReadThroughTheOther(t *testing.T) {
	urls := shared.stack.GatewayURLs()
	if len(urls) != 2 {
		t.Fatalf("gateways: %v; want two", urls)
	}
	gateways := []e2etest.Phone{{Base: urls[0]}, {Base: urls[1]}}
	clip, err := os.ReadFile(ffmpegtest.MP4(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	served := servedCalls(t)
	var latest int64 // the newest video, published by the last round

	for _, c := range []condition{
		{name: "Redis up"},
		{name: "Redis paused", start: func(t *testing.T, redis *redistest.Server) {
			redis.Freeze()
			t.Cleanup(redis.Thaw)
		}},
		{name: "Redis flushed", step: func(redis *redistest.Server) { redis.Flush() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			redis := shared.redis.Bind(t)
			step := func() {
				if c.step != nil {
					c.step(redis)
				}
			}
			// The author registers before Redis is paused: its own writes are checked in the rounds.
			author := register(t, gateways[0], gateways[1], "author", step)
			if c.start != nil {
				c.start(t, redis)
			}
			// The first reads in this state, before any write: every instance meets it afresh.
			if latest != 0 {
				for _, g := range gateways {
					step()
					seen(t, g, author, latest, false, 0, 0)
				}
			}
			for i := range rounds {
				w, r := gateways[i%2], gateways[(i+1)%2]
				t.Run(fmt.Sprintf("round %d: written via %s, read via %s", i, w.Base, r.Base), func(t *testing.T) {
					latest = round(t, w, r, author, clip, step)
				})
				if t.Failed() {
					return
				}
			}
		})
		if t.Failed() {
			return
		}
	}

	// Both instances of every service and both gateways served calls of the rounds.
	for name, before := range served {
		if after := servedCalls(t)[name]; after <= before {
			t.Errorf("%s served no call during the test (%v before, %v after)", name, before, after)
		}
	}
}

// servedCalls counts, by process, the calls each instance of a service and each gateway served.
func servedCalls(t *testing.T) map[string]float64 {
	t.Helper()
	n := map[string]float64{}
	for _, program := range devstack.ServiceNames() {
		for _, name := range shared.stack.Instances(program) {
			n[name] = metricSum(t, shared.stack.AdminURL(name), "tiktok_rpc_server_requests_total")
		}
	}
	for _, name := range shared.stack.Instances("api-gateway") {
		n[name] = metricSum(t, shared.stack.AdminURL(name), "tiktok_http_requests_total")
	}
	return n
}

// metricSum sums the samples of a counter family on a process's /metrics, all labels together.
func metricSum(t *testing.T, adminURL, family string) float64 {
	t.Helper()
	resp, err := http.Get(adminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, family+"{") && !strings.HasPrefix(line, family+" ") {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v); err == nil {
			sum += v
		}
	}
	return sum
}

// register makes a user through w and logs in through r, which must know the account at once.
func register(t *testing.T, w, r e2etest.Phone, prefix string, step func()) member {
	t.Helper()
	name, password := e2etest.Unique(prefix), "secret-"+prefix
	step()
	reg := e2etest.OK(t, w.Post(t, "/douyin/user/register/", e2etest.Vals("username", name, "password", password)))
	m := member{id: reg.Int("user_id")}
	m.token = reg.Str("token")
	step()
	login := e2etest.OK(t, r.Post(t, "/douyin/user/login/", e2etest.Vals("username", name, "password", password)))
	if id := login.Int("user_id"); id != m.id || m.id <= 0 {
		t.Fatalf("registered %s as %d via %s; login via %s says %d", name, m.id, w.Base, r.Base, id)
	}
	token := login.Str("token")
	u := e2etest.OK(t, r.Get(t, "/douyin/user/", e2etest.Vals("user_id", fmt.Sprint(m.id), "token", token))).Obj("user")
	if u["name"] != name || e2etest.AsInt(u["id"]) != m.id {
		t.Fatalf("user %d via %s: %v; want %s", m.id, r.Base, u, name)
	}
	return m
}

// round makes every kind of write through w and reads each back through r, and returns the id of
// the video it published. step applies the condition of Redis before each write and before each
// read.
func round(t *testing.T, w, r e2etest.Phone, author member, clip []byte, step func()) int64 {
	fan := register(t, w, r, "fan", step)

	// Publish: the new video heads the author's list and the feed, nobody's like or comment yet.
	title := e2etest.Unique("clip")
	step()
	e2etest.OK(t, w.Publish(t, author.token, title, clip))
	step()
	list := e2etest.OK(t, r.Get(t, "/douyin/publish/list/", e2etest.Vals("user_id", fmt.Sprint(author.id), "token", fan.token))).List(t, "video_list")
	if len(list) == 0 || list[0]["title"] != title {
		t.Fatalf("the publish list via %s does not start with %q: %v", r.Base, title, list)
	}
	video := e2etest.AsInt(list[0]["id"])
	seen(t, r, fan, video, false, 0, 0)

	// Like and unlike.
	for _, like := range []bool{true, false} {
		step()
		e2etest.OK(t, w.Post(t, "/douyin/favorite/action/", e2etest.Vals("token", fan.token, "video_id", fmt.Sprint(video), "action_type", action(like))))
		step()
		seen(t, r, fan, video, like, count(like), 0)
		step()
		liked := e2etest.OK(t, r.Get(t, "/douyin/favorite/list/", e2etest.Vals("user_id", fmt.Sprint(fan.id), "token", fan.token))).List(t, "video_list")
		if (e2etest.WithID(liked, video) != nil) != like || len(liked) != int(count(like)) {
			t.Fatalf("after like=%v via %s, the favorite list via %s: %v", like, w.Base, r.Base, liked)
		}
		step()
		a := e2etest.OK(t, r.Get(t, "/douyin/user/", e2etest.Vals("user_id", fmt.Sprint(author.id), "token", fan.token))).Obj("user")
		if e2etest.AsInt(a["total_favorited"]) != count(like) {
			t.Fatalf("after like=%v via %s, the author via %s: total_favorited %v", like, w.Base, r.Base, a["total_favorited"])
		}
	}

	// Follow and unfollow.
	for _, follow := range []bool{true, false} {
		step()
		e2etest.OK(t, w.Post(t, "/douyin/relation/action/", e2etest.Vals("token", fan.token, "to_user_id", fmt.Sprint(author.id), "action_type", action(follow))))
		step()
		a := e2etest.OK(t, r.Get(t, "/douyin/user/", e2etest.Vals("user_id", fmt.Sprint(author.id), "token", fan.token))).Obj("user")
		if a["is_follow"] != follow || e2etest.AsInt(a["follower_count"]) != count(follow) {
			t.Fatalf("after follow=%v via %s, the author via %s: is_follow %v, follower_count %v", follow, w.Base, r.Base,
				a["is_follow"], a["follower_count"])
		}
		step()
		follows := e2etest.OK(t, r.Get(t, "/douyin/relation/follow/list/", e2etest.Vals("user_id", fmt.Sprint(fan.id), "token", fan.token))).List(t, "user_list")
		if (e2etest.WithID(follows, author.id) != nil) != follow || len(follows) != int(count(follow)) {
			t.Fatalf("after follow=%v via %s, the follow list via %s: %v", follow, w.Base, r.Base, follows)
		}
	}

	// A comment posted, then deleted.
	text := "said via " + w.Base
	step()
	posted := e2etest.OK(t, w.Post(t, "/douyin/comment/action/", e2etest.Vals("token", fan.token, "video_id", fmt.Sprint(video), "action_type", "1", "comment_text", text)))
	comment := e2etest.AsInt(posted.Obj("comment")["id"])
	for _, present := range []bool{true, false} {
		if !present {
			step()
			e2etest.OK(t, w.Post(t, "/douyin/comment/action/", e2etest.Vals("token", fan.token, "video_id", fmt.Sprint(video), "action_type", "2", "comment_id", fmt.Sprint(comment))))
		}
		step()
		comments := e2etest.OK(t, r.Get(t, "/douyin/comment/list/", e2etest.Vals("video_id", fmt.Sprint(video), "token", fan.token))).List(t, "comment_list")
		c := e2etest.WithID(comments, comment)
		if (c != nil) != present || len(comments) != int(count(present)) || (present && c["content"] != text) {
			t.Fatalf("comment %d present=%v via %s; the list via %s: %v", comment, present, w.Base, r.Base, comments)
		}
		step()
		seen(t, r, fan, video, false, 0, count(present))
	}

	// A message.
	content := "hello via " + w.Base
	step()
	e2etest.OK(t, w.Post(t, "/douyin/message/action/", e2etest.Vals("token", fan.token, "to_user_id", fmt.Sprint(author.id), "action_type", "1", "content", content)))
	step()
	chat := e2etest.OK(t, r.Get(t, "/douyin/message/chat/", e2etest.Vals("token", fan.token, "to_user_id", fmt.Sprint(author.id), "pre_msg_time", "0"))).List(t, "message_list")
	if len(chat) != 1 || chat[0]["content"] != content || e2etest.AsInt(chat[0]["from_user_id"]) != fan.id || e2etest.AsInt(chat[0]["to_user_id"]) != author.id {
		t.Fatalf("after a message via %s, the chat via %s: %v", w.Base, r.Base, chat)
	}
	return video
}

// seen checks video in the first page of the feed through r, as fan and as anyone (the shared
// newest page): its like count and comment count, and whether fan likes it.
func seen(t *testing.T, r e2etest.Phone, fan member, video int64, liked bool, likes, comments int64) {
	t.Helper()
	for _, token := range []string{fan.token, ""} {
		params := e2etest.Vals("token", token)
		if token == "" {
			params = nil
		}
		v := e2etest.WithID(e2etest.OK(t, r.Get(t, "/douyin/feed/", params)).List(t, "video_list"), video)
		if v == nil {
			t.Fatalf("video %d is not in the feed via %s", video, r.Base)
		}
		wantLiked := liked && token != ""
		if v["is_favorite"] != wantLiked || e2etest.AsInt(v["favorite_count"]) != likes || e2etest.AsInt(v["comment_count"]) != comments {
			t.Fatalf("video %d in the feed via %s (token %v): is_favorite %v, favorite_count %v, comment_count %v; want %v, %d, %d",
				video, r.Base, token != "", v["is_favorite"], v["favorite_count"], v["comment_count"], wantLiked, likes, comments)
		}
	}
}

// action is the action_type of doing (1) or undoing (2).
func action(do bool) string {
	if do {
		return "1"
	}
	return "2"
}

// count is 1 for a done write, 0 for an undone one.
func count(done bool) int64 {
	if done {
		return 1
	}
	return 0
}
