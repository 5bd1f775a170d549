//go:build integration

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"simpletiktok/api-gateway/e2e/e2etest"
)

// phone calls the package's stack: its own, on free ports, with the rate limits `make run` has.
var phone e2etest.Phone

func TestMain(m *testing.M) {
	e2etest.Main(m, e2etest.Options{Name: "seed", Schema: "seed"}, func(s *e2etest.Suite) {
		phone = e2etest.Phone{Base: s.Stack.GatewayURL()}
	})
}

// The seed fills an empty stack with the demo data, covers included; a second run adds nothing
// and changes nothing any page shows.
func TestSeedTwice(t *testing.T) {
	var out bytes.Buffer
	start := time.Now()
	if err := run([]string{"-base-url", phone.Base}, &out); err != nil {
		t.Fatalf("first run: %v\n%s", err, out.String())
	}
	t.Logf("first run, %s:\n%s", time.Since(start).Round(time.Millisecond), out.String())
	printed := out.String()
	checkFeed(t)
	checkSocial(t)
	before := snapshot(t)

	out.Reset()
	start = time.Now()
	if err := run([]string{"-base-url", phone.Base}, &out); err != nil {
		t.Fatalf("second run: %v\n%s", err, out.String())
	}
	t.Logf("second run, %s:\n%s", time.Since(start).Round(time.Millisecond), out.String())
	if !strings.Contains(out.String(), "nothing to add") || strings.Contains(out.String(), "published \"") {
		t.Errorf("the second run wrote something:\n%s", out.String())
	}
	if after := snapshot(t); !reflect.DeepEqual(before, after) {
		for key := range before {
			if !reflect.DeepEqual(before[key], after[key]) {
				t.Errorf("%s changed with the second run:\nbefore %s\nafter  %s", key, before[key], after[key])
			}
		}
	}
	// Neither run printed a credential.
	if strings.Contains(printed+out.String(), demoPassword) {
		t.Error("the seed printed the demo password")
	}
}

// checkFeed: the anonymous feed shows every demo video by its author, with a cover of its own, and
// both the cover and the video download.
func checkFeed(t *testing.T) {
	t.Helper()
	feed := e2etest.OK(t, phone.Get(t, "/douyin/feed/", nil)).List(t, "video_list")
	byTitle := map[string]map[string]any{}
	for _, v := range feed {
		byTitle[v["title"].(string)] = v
	}
	for _, u := range demoUsers {
		for _, c := range u.clips {
			v := byTitle[c.title]
			if v == nil {
				t.Errorf("the feed does not show %q", c.title)
				continue
			}
			if author := v["author"].(map[string]any)["name"]; author != u.name {
				t.Errorf("%q is by %v; want %s", c.title, author, u.name)
			}
			cover, play := v["cover_url"].(string), v["play_url"].(string)
			if strings.HasSuffix(cover, fallbackCover) {
				t.Errorf("%q shows the fallback cover", c.title)
			}
			if b := download(t, cover); len(b) < 100 || !bytes.HasPrefix(b, []byte{0xff, 0xd8}) {
				t.Errorf("the cover of %q is not a JPEG (%d bytes)", c.title, len(b))
			}
			if b := download(t, play); len(b) < 1000 || !bytes.Contains(b[:min(len(b), 16)], []byte("ftyp")) {
				t.Errorf("the video of %q is not an MP4 (%d bytes)", c.title, len(b))
			}
		}
	}
}

// checkSocial: the counts and lists the demo data promises.
func checkSocial(t *testing.T) {
	t.Helper()
	mia := login(t, "mia")
	friends := e2etest.OK(t, phone.Get(t, "/douyin/relation/friend/list/", e2etest.Vals("token", mia.Token, "user_id", mia.id()))).List(t, "user_list")
	latest := map[string]string{}
	for _, f := range friends {
		latest[f["name"].(string)], _ = f["message"].(string)
	}
	if want := map[string]string{"leo": "Next one is a Sierpinski", "zoe": "Yes! 10 o'clock"}; !reflect.DeepEqual(latest, want) {
		t.Errorf("mia's friends and their latest messages: %v; want %v", latest, want)
	}
	videos := e2etest.OK(t, phone.Get(t, "/douyin/publish/list/", e2etest.Vals("token", mia.Token, "user_id", mia.id()))).List(t, "video_list")
	for _, v := range videos {
		if v["title"] == "Into the Mandelbrot set" && (e2etest.AsInt(v["favorite_count"]) != 4 || e2etest.AsInt(v["comment_count"]) != 3) {
			t.Errorf("Into the Mandelbrot set: %v likes, %v comments; want 4 and 3", v["favorite_count"], v["comment_count"])
		}
	}
}

// snapshot is every page the demo data shows, as each demo user sees it, keyed by what it is.
func snapshot(t *testing.T) map[string]string {
	t.Helper()
	pages := map[string]string{}
	keep := func(key string, a e2etest.Answer) {
		e2etest.OK(t, a)
		raw, err := json.Marshal(a.Body)
		if err != nil {
			t.Fatal(err)
		}
		pages[key] = string(raw)
	}
	accounts := map[string]account{}
	for _, u := range demoUsers {
		accounts[u.name] = login(t, u.name)
	}
	for _, u := range demoUsers {
		me := accounts[u.name]
		keep(u.name+" feed", phone.Get(t, "/douyin/feed/", e2etest.Vals("token", me.Token)))
		for _, page := range []string{"user", "publish/list", "favorite/list", "relation/follow/list", "relation/follower/list", "relation/friend/list"} {
			keep(u.name+" "+page, phone.Get(t, "/douyin/"+page+"/", e2etest.Vals("token", me.Token, "user_id", me.id())))
		}
		for _, other := range demoUsers {
			if other.name != u.name {
				keep(u.name+" chat with "+other.name, phone.Get(t, "/douyin/message/chat/",
					e2etest.Vals("token", me.Token, "to_user_id", accounts[other.name].id())))
			}
		}
		for _, v := range e2etest.OK(t, phone.Get(t, "/douyin/publish/list/", e2etest.Vals("token", me.Token, "user_id", me.id()))).List(t, "video_list") {
			keep(u.name+" comments on "+v["title"].(string), phone.Get(t, "/douyin/comment/list/",
				e2etest.Vals("token", me.Token, "video_id", strconv.FormatInt(e2etest.AsInt(v["id"]), 10))))
		}
	}
	return pages
}

type account struct {
	ID    int64
	Token string
}

func (a account) id() string { return strconv.FormatInt(a.ID, 10) }

func login(t *testing.T, name string) account {
	t.Helper()
	a := e2etest.OK(t, phone.Post(t, "/douyin/user/login/", e2etest.Vals("username", name, "password", demoPassword)))
	return account{ID: a.Int("user_id"), Token: a.Str("token")}
}

// download GETs url (a media URL the gateway named: on this stack, its own loopback address).
func download(t *testing.T, url string) []byte {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d, %v", url, resp.StatusCode, err)
	}
	return b
}
