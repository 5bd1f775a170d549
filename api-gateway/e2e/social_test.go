//go:build integration

package e2e

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"simpletiktok/api-gateway/e2e/e2etest"
)

// The social endpoints as one phone session of several users: follows, lists, friends, chat and
// everything a user may get wrong. Every list, flag and count is compared with what was done.

var friendFields = append(append([]string(nil), userFields...), "message", "msgType")

var messageFields = []string{"id", "to_user_id", "from_user_id", "content", "create_time"}

// member is one logged-in user of the session.
type member struct {
	id    int64
	token string
}

func join(t *testing.T, prefix string) member {
	id, token := account(t, prefix)
	return member{id, token}
}

func (m member) sid() string { return fmt.Sprint(m.id) }

func relate(t *testing.T, who member, to int64, action string, extra ...string) e2etest.Answer {
	t.Helper()
	kv := append([]string{"token", who.token, "to_user_id", fmt.Sprint(to), "action_type", action}, extra...)
	return shared.phone.Post(t, "/douyin/relation/action/", e2etest.Vals(kv...))
}

func follow(t *testing.T, who member, to member) {
	t.Helper()
	e2etest.OK(t, relate(t, who, to.id, "1"))
}

func unfollow(t *testing.T, who member, to member) {
	t.Helper()
	e2etest.OK(t, relate(t, who, to.id, "2"))
}

// users reads a user list endpoint about whose as viewer sees it, checking every user's fields.
func users(t *testing.T, path string, viewer, whose member) []map[string]any {
	t.Helper()
	list := e2etest.OK(t, shared.phone.Get(t, path, e2etest.Vals("token", viewer.token, "user_id", whose.sid()))).List(t, "user_list")
	for _, u := range list {
		if strings.HasSuffix(path, "/friend/list/") {
			sameKeys(t, path+" user", u, friendFields)
		} else {
			sameKeys(t, path+" user", u, userFields)
		}
	}
	return list
}

// followEntries gives the ids of a user list, in order, as "id:is_follow" pairs so that one comparison
// checks the order, the members and the caller's flags.
func followEntries(list []map[string]any) string {
	parts := make([]string, len(list))
	for i, u := range list {
		parts[i] = fmt.Sprintf("%d:%v", e2etest.AsInt(u["id"]), u["is_follow"])
	}
	return strings.Join(parts, " ")
}

func entry(m member, isFollow bool) string { return fmt.Sprintf("%d:%v", m.id, isFollow) }

func entries(e ...string) string { return strings.Join(e, " ") }

// counts reads a user's follow_count and follower_count as viewer sees them.
func counts(t *testing.T, viewer, whose member) (int64, int64) {
	t.Helper()
	u := e2etest.OK(t, shared.phone.Get(t, "/douyin/user/", e2etest.Vals("token", viewer.token, "user_id", whose.sid()))).Obj("user")
	return e2etest.AsInt(u["follow_count"]), e2etest.AsInt(u["follower_count"])
}

func wantCounts(t *testing.T, viewer, whose member, follows, followers int64) {
	t.Helper()
	if f, fr := counts(t, viewer, whose); f != follows || fr != followers {
		t.Fatalf("user %d: follow_count %d, follower_count %d; want %d and %d", whose.id, f, fr, follows, followers)
	}
}

func TestFollowSession(t *testing.T) {
	alice, bob, carol, dave, eve := join(t, "alice"), join(t, "bob"), join(t, "carol"), join(t, "dave"), join(t, "eve")

	// Alice follows bob (twice: idempotent), carol and dave; bob and carol follow back; eve follows
	// alice; bob follows carol; carol follows eve.
	follow(t, alice, bob)
	follow(t, alice, bob)
	follow(t, alice, carol)
	follow(t, alice, dave)
	follow(t, bob, alice)
	follow(t, carol, alice)
	follow(t, eve, alice)
	follow(t, bob, carol)
	follow(t, carol, eve)

	wantCounts(t, bob, alice, 3, 3)
	wantCounts(t, alice, bob, 2, 1)
	wantCounts(t, alice, carol, 2, 2)
	wantCounts(t, alice, dave, 0, 1)
	wantCounts(t, alice, eve, 1, 1)

	// Lists are about user_id, newest first; is_follow is about the caller.
	if got, want := followEntries(users(t, "/douyin/relation/follow/list/", bob, alice)), entries(entry(dave, false), entry(carol, true), entry(bob, false)); got != want {
		t.Fatalf("alice's follow list seen by bob = %s; want %s", got, want)
	}
	if got, want := followEntries(users(t, "/douyin/relation/follower/list/", carol, alice)), entries(entry(eve, true), entry(carol, false), entry(bob, false)); got != want {
		t.Fatalf("alice's follower list seen by carol = %s; want %s", got, want)
	}
	// Without user_id a list is the caller's own.
	own := e2etest.OK(t, shared.phone.Get(t, "/douyin/relation/follow/list/", e2etest.Vals("token", dave.token))).List(t, "user_list")
	if len(own) != 0 {
		t.Fatalf("dave follows nobody, his list shows %v", own)
	}
	// Counts in a list are the same as on the profile.
	for _, u := range users(t, "/douyin/relation/follow/list/", alice, alice) {
		if e2etest.AsInt(u["id"]) == carol.id && (e2etest.AsInt(u["follow_count"]) != 2 || e2etest.AsInt(u["follower_count"]) != 2 || u["is_follow"] != true) {
			t.Fatalf("carol in alice's follow list: %v", u)
		}
	}

	// Friends are mutual follows, the newest friendship first (carol followed back after bob).
	friends := users(t, "/douyin/relation/friend/list/", alice, alice)
	if got, want := followEntries(friends), entries(entry(carol, true), entry(bob, true)); got != want {
		t.Fatalf("alice's friends = %s; want %s", got, want)
	}
	for _, f := range friends {
		if f["message"] != "" || e2etest.AsInt(f["msgType"]) != 0 {
			t.Fatalf("a friend without messages shows %v", f)
		}
	}

	// Unfollow: counts and lists follow; repeating it, or unfollowing someone never followed, is
	// a success that changes nothing.
	unfollow(t, bob, alice)
	unfollow(t, bob, alice)
	unfollow(t, dave, bob)
	wantCounts(t, alice, alice, 3, 2)
	wantCounts(t, alice, bob, 1, 1)
	wantCounts(t, alice, dave, 0, 1)
	if got, want := followEntries(users(t, "/douyin/relation/friend/list/", alice, alice)), entries(entry(carol, true)); got != want {
		t.Fatalf("alice's friends after bob left = %s; want %s", got, want)
	}
	if got, want := followEntries(users(t, "/douyin/relation/follower/list/", alice, alice)), entries(entry(eve, false), entry(carol, true)); got != want {
		t.Fatalf("alice's followers after bob left = %s; want %s", got, want)
	}

	// Identity comes from the token only: a user_id parameter does not make dave act as bob.
	e2etest.OK(t, relate(t, dave, carol.id, "1", "user_id", bob.sid()))
	if got, want := followEntries(users(t, "/douyin/relation/follower/list/", carol, carol)), entries(entry(dave, false), entry(bob, false), entry(alice, true)); got != want {
		t.Fatalf("carol's followers = %s; want %s", got, want)
	}
	wantCounts(t, alice, bob, 1, 1)
}

func TestFollowRefusals(t *testing.T) {
	alice, bob := join(t, "alice"), join(t, "bob")
	cases := []struct {
		name string
		kv   []string
		code int64
	}{
		{"follow yourself", []string{"to_user_id", alice.sid(), "action_type", "1"}, 15002},
		{"unfollow yourself", []string{"to_user_id", alice.sid(), "action_type", "2"}, 15002},
		{"follow nobody", []string{"to_user_id", "999999999", "action_type", "1"}, 11003},
		{"action_type 3", []string{"to_user_id", bob.sid(), "action_type", "3"}, 15001},
		{"action_type missing", []string{"to_user_id", bob.sid()}, 15001},
		{"to_user_id missing", []string{"action_type", "1"}, 10001},
		{"to_user_id not a number", []string{"to_user_id", "bob", "action_type", "1"}, 10001},
		{"to_user_id negative", []string{"to_user_id", "-1", "action_type", "1"}, 10001},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := e2etest.Refused(t, shared.phone.Post(t, "/douyin/relation/action/", e2etest.Vals(append([]string{"token", alice.token}, c.kv...)...)))
			if a.Code() != c.code {
				t.Fatalf("status_code %d (%s); want %d", a.Code(), a.Str("status_msg"), c.code)
			}
		})
	}
	// Nothing was written by the refusals.
	wantCounts(t, alice, alice, 0, 0)
	wantCounts(t, alice, bob, 0, 0)
	for _, path := range []string{"/douyin/relation/follow/list/", "/douyin/relation/follower/list/", "/douyin/relation/friend/list/"} {
		a := e2etest.Refused(t, shared.phone.Get(t, path, e2etest.Vals("token", alice.token, "user_id", "x")))
		if l, isList := a.Body["user_list"].([]any); !isList || len(l) != 0 {
			t.Fatalf("%s with a bad user_id: user_list is not []: %s", path, a.Raw)
		}
	}
	// A form body works as well as the query string.
	e2etest.OK(t, shared.phone.PostForm(t, "/douyin/relation/action/", e2etest.Vals("token", alice.token, "to_user_id", bob.sid(), "action_type", "1")))
	wantCounts(t, alice, bob, 0, 1)
}

// Many users follow and unfollow one star through the gateway at once while the star follows
// them back: every count equals its list, and every list is what the sequences leave.
func TestConcurrentFollowsThroughTheGateway(t *testing.T) {
	star := join(t, "star")
	const n = 16
	fans := make([]member, n)
	for i := range fans {
		fans[i] = join(t, fmt.Sprint("fan", i))
	}
	var wg sync.WaitGroup
	for i, fan := range fans {
		wg.Add(2)
		go func() {
			defer wg.Done()
			// Even fans end up following, odd ones end up gone; every step is repeated.
			for _, action := range []string{"1", "1", "2", "1", "2", "2"}[:4+2*(i%2)] {
				if a := relate(t, fan, star.id, action); a.Code() != 0 {
					t.Errorf("fan %d action %s: %s", i, action, a.Raw)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for _, action := range []string{"1", "1"} {
				if a := relate(t, star, fan.id, action); a.Code() != 0 {
					t.Errorf("star follows fan %d: %s", i, a.Raw)
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	stayed := map[int64]bool{}
	for i, fan := range fans {
		if i%2 == 0 {
			stayed[fan.id] = true // the star follows every fan back: is_follow is true
		}
	}
	followers := users(t, "/douyin/relation/follower/list/", star, star)
	following := users(t, "/douyin/relation/follow/list/", star, star)
	friends := users(t, "/douyin/relation/friend/list/", star, star)
	follows, followerCount := counts(t, star, star)
	if followerCount != n/2 || follows != n || len(following) != n {
		t.Fatalf("star: follower_count %d, follow_count %d (list %d); want %d, %d", followerCount, follows, len(following), n/2, n)
	}
	// The concurrent order is not known, so the lists are compared as sets.
	for what, list := range map[string][]map[string]any{"followers": followers, "friends": friends} {
		if got := idFlags(list); !reflect.DeepEqual(got, stayed) {
			t.Fatalf("star's %s = %v; want %v", what, got, stayed)
		}
	}
	for i, fan := range fans {
		wantCounts(t, star, fan, int64(1-i%2), 1)
	}
}

// idFlags maps each user of a list to its is_follow.
func idFlags(list []map[string]any) map[int64]bool {
	out := make(map[int64]bool, len(list))
	for _, u := range list {
		out[e2etest.AsInt(u["id"])] = u["is_follow"] == true
	}
	return out
}

// A logged-in friend list read is one trace: the gateway, and the relation, user, message,
// favorite and video services, with the storage (SQL or cache) of the three that hold data. A
// message sent is traced without its text.
func TestSocialTraces(t *testing.T) {
	alice, bob := join(t, "alice"), join(t, "bob")
	follow(t, alice, bob)
	follow(t, bob, alice)
	secret := "trace-secret-" + fmt.Sprint(time.Now().UnixNano())
	sent := e2etest.OK(t, send(t, alice, bob.id, secret))
	list := e2etest.OK(t, shared.phone.Get(t, "/douyin/relation/friend/list/", e2etest.Vals("token", alice.token)))

	raw := waitForSpans(t, list.TraceID, []string{
		"api-gateway HTTP GET /douyin/relation/friend/list/",
		"relation relation::ListFriends", "relation storage",
		"message message::LatestMessages", "message storage",
		"favorite favorite::Stats", "video video::CountWorks",
	})
	// The list brings its users' relation counts and the viewer's follows: one call to each
	// service, relation.UserStats not among them.
	expectCallsOnce(t, "friend list", list.TraceID, []string{"relation::ListFriends", "message::LatestMessages",
		"favorite::Stats", "video::CountWorks"}, profileCall)
	if strings.Contains(raw, secret) {
		t.Fatal("the friend list's trace holds a message's text")
	}
	raw = waitForSpans(t, sent.TraceID, []string{
		"api-gateway HTTP POST /douyin/message/action/", "message message::SendMessage", "message sql",
		"message user::MGetUsers", "user user::MGetUsers",
	})
	if strings.Contains(raw, secret) {
		t.Fatal("the send's trace holds the message's text")
	}
}
