//go:build integration

package e2e

import (
	"fmt"
	"sync"
	"testing"

	"simpletiktok/api-gateway/e2e/e2etest"
)

// phoneCall is one request of a atOnce.
type phoneCall func() e2etest.Answer

// atOnce sends every phoneCall at once (they wait on one gate) and returns the answers in order.
func atOnce(t *testing.T, calls []phoneCall) []e2etest.Answer {
	t.Helper()
	answers := make([]e2etest.Answer, len(calls))
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			answers[i] = c()
		}()
	}
	close(gate)
	wg.Wait()
	return answers
}

// allOK is atOnce for calls that must all succeed.
func allOK(t *testing.T, calls []phoneCall) {
	t.Helper()
	for _, a := range atOnce(t, calls) {
		e2etest.OK(t, a)
	}
}

func favoriteAction(t *testing.T, token string, videoID int64, action string) e2etest.Answer {
	return shared.phone.Post(t, "/douyin/favorite/action/", e2etest.Vals("token", token, "video_id", fmt.Sprint(videoID), "action_type", action))
}

// listField reads a list field of a successful answer as objects.
func listField(t *testing.T, a e2etest.Answer, field string) []map[string]any {
	t.Helper()
	return e2etest.OK(t, a).List(t, field)
}

func userAs(t *testing.T, token string, id int64) map[string]any {
	t.Helper()
	return e2etest.OK(t, shared.phone.Get(t, "/douyin/user/", e2etest.Vals("token", token, "user_id", fmt.Sprint(id)))).Obj("user")
}

func favoriteList(t *testing.T, token string, userID int64) []map[string]any {
	t.Helper()
	return listField(t, shared.phone.Get(t, "/douyin/favorite/list/", e2etest.Vals("token", token, "user_id", fmt.Sprint(userID))), "video_list")
}

func publishList(t *testing.T, token string, userID int64) []map[string]any {
	t.Helper()
	return listField(t, shared.phone.Get(t, "/douyin/publish/list/", e2etest.Vals("token", token, "user_id", fmt.Sprint(userID))), "video_list")
}

// Several users like and unlike two videos at the same time, every action repeated; afterwards
// each count and flag the phone sees agrees with the favorite lists.
func TestLikesFromManyUsersAtOnce(t *testing.T) {
	authorID, authorTok := account(t, "author")
	v1 := publish(t, authorTok, "liked by many")
	v2 := publish(t, authorTok, "liked by some")
	const fans = 6
	fanIDs, fanToks := make([]int64, fans), make([]string, fans)
	for i := range fanIDs {
		fanIDs[i], fanToks[i] = account(t, fmt.Sprint("fan", i))
	}

	// At once: every fan likes v1 three times, even fans like v2 twice, the author likes v1.
	var round []phoneCall
	for i, tok := range fanToks {
		for r := 0; r < 3; r++ {
			round = append(round, func() e2etest.Answer { return favoriteAction(t, tok, v1, "1") })
		}
		if i%2 == 0 {
			for r := 0; r < 2; r++ {
				round = append(round, func() e2etest.Answer { return favoriteAction(t, tok, v2, "1") })
			}
		}
	}
	round = append(round, func() e2etest.Answer { return favoriteAction(t, authorTok, v1, "1") })
	allOK(t, round)

	// At once: odd fans unlike v1 three times while even fans like it again and unlike a video
	// they never liked.
	round = nil
	for i, tok := range fanToks {
		for r := 0; r < 3; r++ {
			if i%2 == 1 {
				round = append(round, func() e2etest.Answer { return favoriteAction(t, tok, v1, "2") })
			} else {
				round = append(round, func() e2etest.Answer { return favoriteAction(t, tok, v1, "1") })
			}
		}
		if i%2 == 0 {
			round = append(round, func() e2etest.Answer { return favoriteAction(t, tok, 999999999, "2") })
		}
	}
	allOK(t, round)

	// v1 is liked by the three even fans and the author; v2 by the three even fans.
	want := map[int64]int64{v1: 4, v2: 3}
	likers := map[int64]map[int64]bool{v1: {authorID: true}, v2: {}}
	for i, id := range fanIDs {
		if i%2 == 0 {
			likers[v1][id], likers[v2][id] = true, true
		}
	}
	viewers := append([]string{authorTok}, fanToks...)
	viewerIDs := append([]int64{authorID}, fanIDs...)
	for vi, tok := range viewers {
		works := publishList(t, tok, authorID)
		for _, v := range []int64{v1, v2} {
			got := e2etest.WithID(works, v)
			if got == nil {
				t.Fatalf("video %d is not in its author's publish list", v)
			}
			if e2etest.AsInt(got["favorite_count"]) != want[v] || got["is_favorite"] != likers[v][viewerIDs[vi]] {
				t.Fatalf("viewer %d sees video %d with favorite_count %v, is_favorite %v; want %d, %v",
					viewerIDs[vi], v, got["favorite_count"], got["is_favorite"], want[v], likers[v][viewerIDs[vi]])
			}
			if e2etest.AsInt(got["author"].(map[string]any)["total_favorited"]) != 7 {
				t.Fatalf("the author shows total_favorited %v; want 7", got["author"].(map[string]any)["total_favorited"])
			}
		}
	}

	// Every user's favorite_count equals their favorite list, and each video's count equals the
	// number of lists holding it.
	inLists := map[int64]int64{}
	for vi, id := range viewerIDs {
		favs := favoriteList(t, fanToks[0], id)
		u := userAs(t, fanToks[0], id)
		if e2etest.AsInt(u["favorite_count"]) != int64(len(favs)) {
			t.Fatalf("user %d: favorite_count %v but the favorite list has %d videos", id, u["favorite_count"], len(favs))
		}
		for _, v := range favs {
			inLists[e2etest.AsInt(v["id"])]++
			if !likers[e2etest.AsInt(v["id"])][id] {
				t.Fatalf("user %d lists video %v they do not like", id, v["id"])
			}
			// The flag is about the caller (fan 0, who likes both), not about the list's owner.
			if v["is_favorite"] != true {
				t.Fatalf("fan 0 likes video %v but the list of user %d shows is_favorite false", v["id"], id)
			}
		}
		if vi == 0 && len(favs) != 1 {
			t.Fatalf("the author's favorite list = %v; want only v1", videoIDs(favs))
		}
	}
	for v, n := range want {
		if inLists[v] != n {
			t.Fatalf("video %d is in %d favorite lists; want %d", v, inLists[v], n)
		}
	}
	// The feed shows the same counts and flags.
	for vi, tok := range []string{fanToks[0], fanToks[1]} {
		v := feedVideo(t, tok, v1)
		if e2etest.AsInt(v["favorite_count"]) != 4 || v["is_favorite"] != (vi == 0) {
			t.Fatalf("fan %d sees v1 in the feed as %v", vi, v)
		}
	}
	author := userAs(t, fanToks[1], authorID)
	if e2etest.AsInt(author["total_favorited"]) != 7 || e2etest.AsInt(author["favorite_count"]) != 1 || e2etest.AsInt(author["work_count"]) != 2 {
		t.Fatalf("author = %v; want total_favorited 7, favorite_count 1, work_count 2", author)
	}
}

// The favorite list is newest like first; a like given again after an unlike is the newest, and
// repeating a like does not move it.
func TestFavoriteListOrderAndIdempotence(t *testing.T) {
	_, authorTok := account(t, "maker")
	videos := []int64{publish(t, authorTok, "a"), publish(t, authorTok, "b"), publish(t, authorTok, "c")}
	fanID, fanTok := account(t, "collector")
	for _, v := range videos {
		e2etest.OK(t, favoriteAction(t, fanTok, v, "1"))
	}
	e2etest.OK(t, favoriteAction(t, fanTok, videos[0], "1"))
	e2etest.OK(t, favoriteAction(t, fanTok, videos[1], "2"))
	e2etest.OK(t, favoriteAction(t, fanTok, videos[1], "2"))
	e2etest.OK(t, favoriteAction(t, fanTok, videos[1], "1"))
	got := videoIDs(favoriteList(t, authorTok, fanID))
	if fmt.Sprint(got) != fmt.Sprint([]int64{videos[1], videos[2], videos[0]}) {
		t.Fatalf("favorite list = %v; want %v", got, []int64{videos[1], videos[2], videos[0]})
	}
	if fan := userAs(t, authorTok, fanID); e2etest.AsInt(fan["favorite_count"]) != 3 {
		t.Fatalf("fan favorite_count = %v; want 3", fan["favorite_count"])
	}
}

func TestFavoriteRefusals(t *testing.T) {
	_, authorTok := account(t, "refuser")
	v := publish(t, authorTok, "target")
	_, tok := account(t, "clumsy")
	cases := []struct {
		what string
		kv   []string
		want int64
	}{
		{"action 3", []string{"video_id", fmt.Sprint(v), "action_type", "3"}, 13001},
		{"action word", []string{"video_id", fmt.Sprint(v), "action_type", "like"}, 13001},
		{"no action", []string{"video_id", fmt.Sprint(v)}, 13001},
		{"missing video", []string{"video_id", "999999999", "action_type", "1"}, 12001},
		{"no video_id", []string{"action_type", "1"}, 10001},
		{"bad video_id", []string{"video_id", "-4", "action_type", "1"}, 10001},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			a := e2etest.Refused(t, shared.phone.Post(t, "/douyin/favorite/action/", e2etest.Vals(append([]string{"token", tok}, c.kv...)...)))
			if a.Code() != c.want {
				t.Fatalf("status_code %d (%s); want %d", a.Code(), a.Str("status_msg"), c.want)
			}
		})
	}
	// Nothing above changed a count; a form body is read like the query.
	if n := e2etest.AsInt(e2etest.WithID(publishList(t, tok, idOfToken(t, authorTok)), v)["favorite_count"]); n != 0 {
		t.Fatalf("favorite_count after refusals = %d; want 0", n)
	}
	e2etest.OK(t, shared.phone.PostForm(t, "/douyin/favorite/action/", e2etest.Vals("token", tok, "video_id", fmt.Sprint(v), "action_type", "1")))
	if n := e2etest.AsInt(e2etest.WithID(publishList(t, tok, idOfToken(t, authorTok)), v)["favorite_count"]); n != 1 {
		t.Fatalf("favorite_count after a form-body like = %d; want 1", n)
	}
}

// feedVideo finds a video in the first page of the feed as the owner of token sees it. A video the
// calling test has just published is there: the package's tests run one at a time.
func feedVideo(t *testing.T, token string, id int64) map[string]any {
	t.Helper()
	v := e2etest.WithID(listField(t, shared.phone.Get(t, "/douyin/feed/", e2etest.Vals("token", token)), "video_list"), id)
	if v == nil {
		t.Fatalf("video %d is not in the first page of the feed", id)
	}
	return v
}

// idOfToken is the id of the token's user.
func idOfToken(t *testing.T, token string) int64 {
	t.Helper()
	return e2etest.AsInt(e2etest.OK(t, shared.phone.Get(t, "/douyin/user/", e2etest.Vals("token", token))).Obj("user")["id"])
}

// favoriteListCalls are the calls of a favorite list as a logged-in user sees it: the liked ids
// with the favorite service's counts and the viewer's likes, then the videos with their authors'
// work counts, and one call to each other service that owns a count (and the authors' profiles,
// when the gateway has not kept them yet: profileCall). favorite::Stats is not among them.
var favoriteListCalls = []string{"favorite::ListFavorites", "video::MGetVideos",
	"relation::UserStats", "comment::CountComments"}

// A favorite list costs the same calls, once each, whether it holds one video or three.
func TestFavoriteListCallsDoNotDependOnLength(t *testing.T) {
	_, authorTok := account(t, "prolific")
	fewID, fewTok := account(t, "picky")
	manyID, manyTok := account(t, "generous")
	for i := 0; i < 3; i++ {
		v := publish(t, authorTok, fmt.Sprint("clip ", i))
		e2etest.OK(t, favoriteAction(t, manyTok, v, "1"))
		if i == 0 {
			e2etest.OK(t, favoriteAction(t, fewTok, v, "1"))
		}
	}
	for name, c := range map[string]struct {
		user int64
		want int
	}{"1 video": {fewID, 1}, "3 videos": {manyID, 3}} {
		a := shared.phone.Get(t, "/douyin/favorite/list/", e2etest.Vals("token", fewTok, "user_id", fmt.Sprint(c.user)))
		if n := len(listField(t, a, "video_list")); n != c.want {
			t.Fatalf("%s: the list holds %d videos", name, n)
		}
		expectCallsOnce(t, name, a.TraceID, favoriteListCalls, profileCall)
	}
}
