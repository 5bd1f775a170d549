//go:build integration

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"simpletiktok/api-gateway/e2e/e2etest"
)

// publishMany publishes n videos as the owner of token, four at a time, and returns the ids of
// the owner's videos newest first.
func publishMany(t *testing.T, token string, n int) []int64 {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fails []string
		slots = make(chan struct{}, 4)
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			req, err := shared.phone.UploadRequest(nil, e2etest.TokenField(token), e2etest.TitleField(fmt.Sprint("video ", i)), e2etest.DataFile(sampleVideo(t)))
			if err == nil {
				var resp *http.Response
				if resp, err = shared.phone.Send(req); err == nil {
					var a struct {
						StatusCode int64  `json:"status_code"`
						StatusMsg  string `json:"status_msg"`
					}
					err = json.NewDecoder(resp.Body).Decode(&a)
					resp.Body.Close()
					if err == nil && a.StatusCode != 0 {
						err = fmt.Errorf("status %d %s", a.StatusCode, a.StatusMsg)
					}
				}
			}
			if err != nil {
				mu.Lock()
				fails = append(fails, err.Error())
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(fails) > 0 {
		t.Fatalf("%d of %d publishes failed: %v", len(fails), n, fails)
	}
	list := videoList(t, e2etest.OK(t, shared.phone.Get(t, "/douyin/publish/list/", e2etest.Vals("token", token))))
	ids := make([]int64, len(list))
	for i, v := range list {
		ids[i] = e2etest.AsInt(v["id"])
	}
	return ids
}

func videoIDs(videos []map[string]any) []int64 {
	out := make([]int64, len(videos))
	for i, v := range videos {
		out[i] = e2etest.AsInt(v["id"])
	}
	return out
}

// The feed pages through 31 new videos: 30, then the one left, with next_time; strictly older
// than latest_time, in seconds or milliseconds; anonymous or not.
func TestFeedPaging(t *testing.T) {
	p := shared.phone
	authorID, token := account(t, "feeder")
	mine := publishMany(t, token, 31)
	if len(mine) != 31 {
		t.Fatalf("publish list holds %d videos; want 31", len(mine))
	}

	first := e2etest.OK(t, p.Get(t, "/douyin/feed/", nil))
	page := videoList(t, first)
	if fmt.Sprint(videoIDs(page)) != fmt.Sprint(mine[:30]) {
		t.Fatalf("first page %v; want the 30 newest %v", videoIDs(page), mine[:30])
	}
	for _, v := range page {
		author := v["author"].(map[string]any)
		if e2etest.AsInt(author["id"]) != authorID || e2etest.AsInt(author["work_count"]) != 31 || author["is_follow"] != false || v["is_favorite"] != false {
			t.Fatalf("video %v", v)
		}
	}
	next := first.Int("next_time")
	if next < 1e12 {
		t.Fatalf("next_time %d is not in milliseconds", next)
	}
	second := e2etest.OK(t, p.Get(t, "/douyin/feed/", e2etest.Vals("latest_time", fmt.Sprint(next))))
	rest := videoList(t, second)
	if len(rest) == 0 || e2etest.AsInt(rest[0]["id"]) != mine[30] {
		t.Fatalf("second page %v; want it to start with the 31st video %d", videoIDs(rest), mine[30])
	}
	if n2 := second.Int("next_time"); n2 >= next {
		t.Fatalf("next_time did not move back: %d then %d", next, n2)
	}

	// The same bound in seconds: strictly older than it, so nothing of the first page.
	inSeconds := videoList(t, e2etest.OK(t, p.Get(t, "/douyin/feed/", e2etest.Vals("latest_time", fmt.Sprint(next/1000)))))
	for _, id := range videoIDs(inSeconds) {
		for _, shown := range mine[:30] {
			if id == shown {
				t.Fatalf("latest_time in seconds showed video %d of the first page", id)
			}
		}
	}

	// A logged-in viewer sees the same page; a bad token is anonymous, not an error.
	_, viewer := account(t, "viewer")
	for _, tok := range []string{viewer, "garbage"} {
		if got := videoList(t, e2etest.OK(t, p.Get(t, "/douyin/feed/", e2etest.Vals("token", tok)))); fmt.Sprint(videoIDs(got)) != fmt.Sprint(mine[:30]) {
			t.Fatalf("token %.8s: page %v", tok, videoIDs(got))
		}
	}
}

func TestFeedRefusesBadLatestTime(t *testing.T) {
	before := time.Now().UnixMilli()
	for _, v := range []string{"abc", "-5", "1.5", "99999999999999999999"} {
		a := e2etest.Refused(t, shared.phone.Get(t, "/douyin/feed/", e2etest.Vals("latest_time", v)))
		if list, isList := a.Body["video_list"].([]any); !isList || len(list) != 0 || a.Int("next_time") < before {
			t.Fatalf("latest_time=%s: %s; want an empty list and next_time", v, a.Raw)
		}
	}
	// Before any video: an empty page whose next_time is the request's own time.
	a := e2etest.OK(t, shared.phone.Get(t, "/douyin/feed/", e2etest.Vals("latest_time", "1000")))
	if len(videoList(t, a)) != 0 || a.Int("next_time") != 1_000_000 {
		t.Fatalf("feed before 1970+1000s: %s", a.Raw)
	}
}

func TestPublishListOfUnknownUser(t *testing.T) {
	_, token := account(t, "lister")
	a := e2etest.Refused(t, shared.phone.Get(t, "/douyin/publish/list/", e2etest.Vals("token", token, "user_id", "999999999")))
	if a.Code() != 11003 || len(videoList(t, a)) != 0 {
		t.Fatalf("publish list of an unknown user: %s; want 11003 and []", a.Raw)
	}
	// A user without videos has an empty list, not an error.
	if got := videoList(t, e2etest.OK(t, shared.phone.Get(t, "/douyin/publish/list/", e2etest.Vals("token", token)))); len(got) != 0 {
		t.Fatalf("a new user has %d videos", len(got))
	}
}

// feedCalls are the calls of a feed page as a logged-in user sees it: the page with its authors'
// work counts, then one call to each service that owns a count: the authors' follow counts with
// the viewer's follows, the like counts of videos and authors with the viewer's likes, the comment
// counts. The authors' profiles are asked only when the gateway has not kept them yet.
var feedCalls = []string{"video::Feed", "relation::UserStats", "favorite::Stats", "comment::CountComments"}

// profileCall is the call for profiles, which a page makes only for users the gateway has not
// shown before (they never change, so it keeps them).
const profileCall = "user::MGetUsers"

// A feed page costs the same calls, made once each, whether it holds 30 videos or 1: the newest
// page too, which is assembled for anyone with the viewer's likes and follows read in its own
// calls (assemble.ForAnyoneWith). Its trace goes from the gateway to the services, with their
// storage (SQL or cache) under them.
func TestFeedCallsDoNotDependOnPageLength(t *testing.T) {
	p := shared.phone
	_, viewer := account(t, "counter")
	full := e2etest.OK(t, p.Get(t, "/douyin/feed/", e2etest.Vals("token", viewer)))
	if n := len(videoList(t, full)); n < 30 {
		_, publisher := account(t, "filler")
		publishMany(t, publisher, 30-n)
		full = e2etest.OK(t, p.Get(t, "/douyin/feed/", e2etest.Vals("token", viewer)))
	}
	if n := len(videoList(t, full)); n != 30 {
		t.Fatalf("a full page holds %d videos", n)
	}

	// The oldest video of all: page to the end. Publish times are unique, so the millisecond after
	// it makes a page of exactly that one video.
	oldest := full.Int("next_time")
	for {
		a := e2etest.OK(t, p.Get(t, "/douyin/feed/", e2etest.Vals("latest_time", fmt.Sprint(oldest))))
		if len(videoList(t, a)) == 0 {
			break
		}
		oldest = a.Int("next_time")
	}
	one := e2etest.OK(t, p.Get(t, "/douyin/feed/", e2etest.Vals("token", viewer, "latest_time", fmt.Sprint(oldest+1))))
	if n := len(videoList(t, one)); n != 1 {
		t.Fatalf("the page before %d holds %d videos; want 1", oldest+1, n)
	}

	for _, c := range []struct {
		name string
		a    e2etest.Answer
	}{{"the newest page, 30 videos", full}, {"an older page, 1 video", one}} {
		name, a := c.name, c.a
		waitForSpans(t, a.TraceID, []string{"video storage", "relation storage"}) // each process sends its spans on its own
		tr := expectCallsOnce(t, name, a.TraceID, feedCalls, profileCall)
		if st := tr.storageUnder(); st["video"] == 0 || st["relation"] == 0 {
			t.Errorf("%s: SQL and cache spans under the services: %v; want video and relation", name, st)
		}
	}
}
