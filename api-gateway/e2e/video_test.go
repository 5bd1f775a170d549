//go:build integration

package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"simpletiktok/api-gateway/e2e/e2etest"
)

// mediaFiles lists the files the gateway writes in the media folder: the videos and the spool.
// The covers and the scratch folder of the media worker are left out: it makes the covers of the
// videos published earlier whenever it gets to them, and never for a refused upload (no row, no
// job). devstack keeps the media beside the log folder in its state folder.
func mediaFiles(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join(filepath.Dir(shared.stack.LogDir()), "media")
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == ".work" {
			return filepath.SkipDir
		}
		if err == nil && !d.IsDir() && filepath.Ext(p) != ".jpg" {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// fallbackCover is the cover shown until a video's own is made.
func fallbackCover() string { return shared.stack.GatewayURL() + "/static/cover.jpg" }

// waitForCover polls author's publish list (as the owner of token) until videoID has a cover of
// its own, and returns its URL. The media worker makes covers after the publish has answered; on
// this stack that takes well under a second, so 30 s means it never will.
func waitForCover(t *testing.T, token string, author, videoID int64) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		list := videoList(t, e2etest.OK(t, shared.phone.Get(t, "/douyin/publish/list/", e2etest.Vals("token", token, "user_id", fmt.Sprint(author)))))
		for _, v := range list {
			if e2etest.AsInt(v["id"]) == videoID && v["cover_url"] != fallbackCover() {
				return v["cover_url"].(string)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("video %d still shows the fallback cover after 30 s (log: %s/media-worker.log)", videoID, shared.stack.LogDir())
		}
	}
}

func videoList(t *testing.T, a e2etest.Answer) []map[string]any {
	t.Helper()
	raw, isList := a.Body["video_list"].([]any)
	if !isList {
		t.Fatalf("video_list is not a list: %s", a.Raw)
	}
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i] = v.(map[string]any)
		sameKeys(t, "video", out[i], videoFields)
		sameKeys(t, "author", out[i]["author"].(map[string]any), userFields)
	}
	return out
}

// fetch GETs a media URL and returns the answer and its body.
func fetch(t *testing.T, url string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	if !strings.HasPrefix(url, shared.stack.GatewayURL()+"/") {
		t.Fatalf("media URL %q is not an absolute URL under the gateway", url)
	}
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestPublishAndReadBack(t *testing.T) {
	p := shared.phone
	id, token := account(t, "publisher")
	title := "first video ✨ of " + fmt.Sprint(id)
	videoID := publish(t, token, title)

	// The publish list, asked by another user: a full Video with its author.
	_, otherToken := account(t, "watcher")
	list := videoList(t, e2etest.OK(t, p.Get(t, "/douyin/publish/list/", e2etest.Vals("token", otherToken, "user_id", fmt.Sprint(id)))))
	if len(list) != 1 {
		t.Fatalf("publish list holds %d videos; want 1", len(list))
	}
	v, author := list[0], list[0]["author"].(map[string]any)
	if e2etest.AsInt(v["id"]) != videoID || v["title"] != title || e2etest.AsInt(v["favorite_count"]) != 0 ||
		e2etest.AsInt(v["comment_count"]) != 0 || v["is_favorite"] != false {
		t.Fatalf("video = %v", v)
	}
	if e2etest.AsInt(author["id"]) != id || e2etest.AsInt(author["work_count"]) != 1 || author["is_follow"] != false {
		t.Fatalf("author = %v", author)
	}
	me := e2etest.OK(t, p.Get(t, "/douyin/user/", e2etest.Vals("token", token))).Obj("user")
	if e2etest.AsInt(me["work_count"]) != 1 {
		t.Fatalf("work_count after one publish = %v", me["work_count"])
	}

	// The newest video of the feed, for anyone.
	feed := videoList(t, e2etest.OK(t, p.Get(t, "/douyin/feed/", nil)))
	if len(feed) == 0 || e2etest.AsInt(feed[0]["id"]) != videoID {
		t.Fatalf("the feed does not start with the new video: %v", feed)
	}

	// The play URL serves the bytes uploaded, in ranges too. The cover is the fallback until the
	// media worker has made it, then a JPEG of the video.
	play, cover := v["play_url"].(string), v["cover_url"].(string)
	if !strings.HasPrefix(play, shared.stack.GatewayURL()+"/media/") {
		t.Fatalf("play_url %q; want stored media", play)
	}
	if cover != fallbackCover() && !strings.HasPrefix(cover, shared.stack.GatewayURL()+"/media/") {
		t.Fatalf("cover_url %q; want the fallback or a stored cover", cover)
	}
	cover = waitForCover(t, otherToken, id, videoID)
	resp, body := fetch(t, play)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" || !bytes.Equal(body, sampleVideo(t)) {
		t.Fatalf("GET play_url: HTTP %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	resp, body = fetch(t, play, "Range", "bytes=100-199")
	if resp.StatusCode != 206 || !bytes.Equal(body, sampleVideo(t)[100:200]) ||
		resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 100-199/%d", len(sampleVideo(t))) {
		t.Fatalf("ranged GET: HTTP %d, %d bytes, %q", resp.StatusCode, len(body), resp.Header.Get("Content-Range"))
	}
	resp, body = fetch(t, cover)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("GET cover_url: HTTP %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if img, err := jpeg.Decode(bytes.NewReader(body)); err != nil || img.Bounds().Dx() != 160 {
		t.Fatalf("the cover is not a JPEG of the video: %v", err)
	}
}

// The token may come in the multipart field before or after the file, in the query string, or
// as a bearer header.
func TestPublishFindsTheTokenWhereverItIs(t *testing.T) {
	id, token := account(t, "tokens")
	video := sampleVideo(t)
	sends := map[string]func() e2etest.Answer{
		"field after the file": func() e2etest.Answer {
			return shared.phone.Upload(t, nil, e2etest.TitleField("after"), e2etest.DataFile(video), e2etest.TokenField(token))
		},
		"query string": func() e2etest.Answer {
			return shared.phone.Upload(t, e2etest.Vals("token", token), e2etest.TitleField("query"), e2etest.DataFile(video))
		},
		"bearer header": func() e2etest.Answer {
			req, err := shared.phone.UploadRequest(nil, e2etest.TitleField("bearer"), e2etest.DataFile(video))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			return shared.phone.Do(t, req)
		},
	}
	for name, send := range sends {
		t.Run(name, func(t *testing.T) { e2etest.OK(t, send()) })
	}
	list := videoList(t, e2etest.OK(t, shared.phone.Get(t, "/douyin/publish/list/", e2etest.Vals("token", token))))
	if len(list) != len(sends) || e2etest.AsInt(list[0]["author"].(map[string]any)["id"]) != id {
		t.Fatalf("publish list holds %d videos; want %d", len(list), len(sends))
	}
}

func pngImage(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	img.Set(1, 1, color.White)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Every refused upload answers a clear business error and leaves no file and no row behind.
func TestPublishRefusalsKeepNothing(t *testing.T) {
	_, token := account(t, "refused")
	before := mediaFiles(t)
	video := sampleVideo(t)
	cases := []struct {
		name  string
		query url.Values
		parts []e2etest.Part
		code  int64
	}{
		{"text named .mp4", nil, []e2etest.Part{e2etest.TokenField(token), e2etest.TitleField("t"), e2etest.DataFile([]byte("this is not a video"))}, 12006},
		{"png image", nil, []e2etest.Part{e2etest.TokenField(token), e2etest.TitleField("t"), e2etest.DataFile(pngImage(t))}, 12006},
		{"truncated video", nil, []e2etest.Part{e2etest.TokenField(token), e2etest.TitleField("t"), e2etest.DataFile(video[:len(video)/3])}, 12006},
		{"no title", nil, []e2etest.Part{e2etest.TokenField(token), e2etest.DataFile(video)}, 12002},
		{"blank title", nil, []e2etest.Part{e2etest.TokenField(token), e2etest.TitleField("   "), e2etest.DataFile(video)}, 12002},
		{"101 character title", nil, []e2etest.Part{e2etest.TokenField(token), e2etest.TitleField(strings.Repeat("字", 101)), e2etest.DataFile(video)}, 12003},
		{"two-line title", nil, []e2etest.Part{e2etest.TokenField(token), e2etest.TitleField("one\ntwo"), e2etest.DataFile(video)}, 12003},
		{"no file", nil, []e2etest.Part{e2etest.TokenField(token), e2etest.TitleField("t")}, 12004},
		{"empty file", nil, []e2etest.Part{e2etest.TokenField(token), e2etest.TitleField("t"), e2etest.DataFile(nil)}, 12004},
		{"two files", nil, []e2etest.Part{e2etest.TokenField(token), e2etest.TitleField("t"), e2etest.DataFile(video), e2etest.DataFile(video)}, 12004},
		{"no token", nil, []e2etest.Part{e2etest.TitleField("t"), e2etest.DataFile(video)}, 10002},
		{"bad token before the file", nil, []e2etest.Part{e2etest.TokenField("garbage"), e2etest.TitleField("t"), e2etest.DataFile(video)}, 10002},
		{"bad token after the file", nil, []e2etest.Part{e2etest.TitleField("t"), e2etest.DataFile(video), e2etest.TokenField("garbage")}, 10002},
		{"bad token in the query", e2etest.Vals("token", "garbage"), []e2etest.Part{e2etest.TitleField("t"), e2etest.DataFile(video)}, 10002},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := e2etest.Refused(t, shared.phone.Upload(t, c.query, c.parts...))
			if a.Code() != c.code {
				t.Fatalf("status_code %d (%s); want %d", a.Code(), a.Str("status_msg"), c.code)
			}
		})
	}
	t.Run("urlencoded body", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, shared.stack.GatewayURL()+"/douyin/publish/action/?token="+token,
			strings.NewReader(e2etest.Vals("title", "t", "data", "not a file").Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if a := e2etest.Refused(t, shared.phone.Do(t, req)); a.Code() != 12007 {
			t.Fatalf("status_code %d; want 12007", a.Code())
		}
	})
	list := videoList(t, e2etest.OK(t, shared.phone.Get(t, "/douyin/publish/list/", e2etest.Vals("token", token))))
	if len(list) != 0 {
		t.Fatalf("refused uploads made %d videos", len(list))
	}
	if after := mediaFiles(t); !slices.Equal(before, after) {
		t.Fatalf("refused uploads changed the media folder:\nbefore %v\nafter  %v", before, after)
	}
}

// zeros is an endless stream of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// An upload over the limit (100 MiB) is refused whether its length is declared (refused unread)
// or not (refused once the limit is passed while streaming); nothing is kept.
func TestOversizeUploadIsRefused(t *testing.T) {
	_, token := account(t, "big")
	before := mediaFiles(t)
	const limit = 100 << 20
	head, err := shared.phone.UploadRequest(nil, e2etest.TokenField(token), e2etest.TitleField("big"), e2etest.Part{Name: "data", Filename: "big.mp4", Content: []byte("X")})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(head.Body)
	// Split the small body around its one-byte file, to put 100 MiB + 1 of zeros there instead.
	cut := bytes.LastIndex(raw, []byte("X"))
	prefix, suffix := raw[:cut], raw[cut+1:]
	for _, declared := range []bool{true, false} {
		t.Run(fmt.Sprintf("length declared %v", declared), func(t *testing.T) {
			body := io.MultiReader(bytes.NewReader(prefix), io.LimitReader(zeros{}, limit+1), bytes.NewReader(suffix))
			req, err := http.NewRequest(http.MethodPost, head.URL.String(), body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", head.Header.Get("Content-Type"))
			req.ContentLength = -1 // chunked
			if declared {
				req.ContentLength = int64(len(prefix)) + limit + 1 + int64(len(suffix))
			}
			a := e2etest.Refused(t, shared.phone.Do(t, req))
			if a.Code() != 12005 || !strings.Contains(a.Str("status_msg"), "100 MiB") {
				t.Fatalf("answer %s; want 12005 naming the limit", a.Raw)
			}
		})
	}
	if after := mediaFiles(t); !slices.Equal(before, after) {
		t.Fatalf("oversize uploads changed the media folder:\nbefore %v\nafter  %v", before, after)
	}
}

// The other endpoints still read urlencoded forms from the streamed body, within a cap.
func TestFormBodiesWithStreamedRequests(t *testing.T) {
	p := shared.phone
	name := e2etest.Unique("form")
	e2etest.OK(t, p.PostForm(t, "/douyin/user/register/", e2etest.Vals("username", name, "password", "pw")))
	// A chunked form body (no declared length) is read too.
	req, err := http.NewRequest(http.MethodPost, shared.stack.GatewayURL()+"/douyin/user/login/",
		io.MultiReader(strings.NewReader(e2etest.Vals("username", name, "password", "pw").Encode())))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	e2etest.OK(t, p.Do(t, req))
	// A form body over 1 MiB is refused, in JSON.
	huge := e2etest.Vals("username", name, "password", "pw", "padding", strings.Repeat("p", 2<<20))
	if a := e2etest.Refused(t, p.PostForm(t, "/douyin/user/login/", huge)); a.Code() != 10001 {
		t.Fatalf("huge form: status_code %d; want 10001", a.Code())
	}
}

// Only generated keys name media; any other path under /media/ (or escaping it) is a JSON 404.
func TestMediaRouteOddPaths(t *testing.T) {
	base := shared.stack.GatewayURL()
	for _, path := range []string{
		"/media/", "/media/x", "/media/../api-gateway/config.yaml", "/media/%2e%2e/%2e%2e/go.work",
		"/media/..%2f..%2fgo.work", "/media//etc/passwd", "/media/.incoming/", "/media/.incoming/upload-1",
		"/media/ffffffffffffffffffffffffffffffff.mp4", "/media/ffffffffffffffffffffffffffffffff.jpg/",
		"/media/%00", "/media/ffffffffffffffffffffffffffffffff.mp4%00.jpg",
	} {
		t.Run(path, func(t *testing.T) {
			resp, body := fetch(t, base+path)
			if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
				!bytes.Contains(body, []byte(`"status_code":10005`)) {
				t.Fatalf("GET %s: HTTP %d %q %s; want a JSON 404", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
		})
	}
}
