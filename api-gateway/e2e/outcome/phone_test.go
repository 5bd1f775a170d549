//go:build integration

package outcome

import (
	"fmt"
	"net/url"
	"os"
	"testing"

	"simpletiktok/api-gateway/e2e/e2etest"
	"simpletiktok/pkg/ffmpeg/ffmpegtest"
)

// user is a registered account.
type user struct {
	id    int64
	token string
}

func register(t *testing.T, prefix string) user {
	t.Helper()
	a := e2etest.OK(t, shared.phone.Post(t, "/douyin/user/register/", url.Values{
		"username": {e2etest.Unique(prefix)}, "password": {"pass-word"}}))
	return user{id: a.Int("user_id"), token: a.Body["token"].(string)}
}

// publish uploads a one-second video as who and returns its id (the newest of who's works).
func publish(t *testing.T, who user) int64 {
	t.Helper()
	clip, err := os.ReadFile(ffmpegtest.MP4(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	title := e2etest.Unique("cut ")
	e2etest.OK(t, shared.phone.Publish(t, who.token, title, clip))
	works := worksOf(t, who)
	if len(works) == 0 || works[0]["title"] != title {
		t.Fatalf("the newest work of %d is not the video just published: %v", who.id, works)
	}
	return e2etest.AsInt(works[0]["id"])
}

// worksOf is who's publish list, newest first.
func worksOf(t *testing.T, who user) []map[string]any {
	t.Helper()
	return e2etest.OK(t, shared.phone.Get(t, "/douyin/publish/list/", url.Values{
		"token": {who.token}, "user_id": {fmt.Sprint(who.id)}})).List(t, "video_list")
}
