package apiclient

import (
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// gateway answers each call with answer(n, request), n counting from 0.
func gateway(t *testing.T, answer func(n int, r *http.Request) string) (*Client, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1)) - 1
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, answer(n, r))
	}))
	t.Cleanup(srv.Close)
	return &Client{Base: srv.URL, HTTP: srv.Client(), Backoff: func(bool, int) time.Duration { return 0 }}, &calls
}

// inOrder answers the answers in order, then the last one again and again.
func inOrder(answers ...string) func(int, *http.Request) string {
	return func(n int, _ *http.Request) string { return answers[min(n, len(answers)-1)] }
}

const (
	ok      = `{"status_code":0,"status_msg":"success"}`
	busy    = `{"status_code":10008,"status_msg":"busy"}`
	limited = `{"status_code":10009,"status_msg":"rate limited"}`
	broken  = `{"status_code":10000,"status_msg":"internal"}`
)

func TestShedAnswersAreWaitedOut(t *testing.T) {
	c, calls := gateway(t, inOrder(busy, limited, busy, ok))
	if err := c.Post(context.Background(), "/douyin/favorite/action/", nil, nil); err != nil {
		t.Fatalf("three shed answers then ok: %v", err)
	}
	if got := calls.Load(); got != 4 {
		t.Fatalf("calls = %d, want 4", got)
	}
	c, calls = gateway(t, inOrder(busy))
	if err := c.Post(context.Background(), "/douyin/favorite/action/", nil, nil); err == nil {
		t.Fatal("a gateway that is always busy let the call pass")
	}
	if got := calls.Load(); got != MaxShed {
		t.Fatalf("calls = %d, want %d", got, MaxShed)
	}
}

// A failed write may have taken effect: it is sent again only with RepeatWrites; a read always is.
func TestFailuresAreRepeatedOnlyWhenSafe(t *testing.T) {
	for _, tc := range []struct {
		name   string
		repeat bool
		call   func(c *Client) error
		want   int32
	}{
		{"write", false, func(c *Client) error { return c.Post(context.Background(), "/douyin/comment/action/", nil, nil) }, 1},
		{"write, RepeatWrites", true, func(c *Client) error { return c.Post(context.Background(), "/douyin/comment/action/", nil, nil) }, MaxFailures},
		{"read", false, func(c *Client) error { return c.Get(context.Background(), "/douyin/feed/", nil, nil) }, MaxFailures},
		{"publish", false, func(c *Client) error { return c.Publish(context.Background(), "tok", "t", []byte("x")) }, 1},
	} {
		c, calls := gateway(t, inOrder(broken))
		c.RepeatWrites = tc.repeat
		err := tc.call(c)
		if err == nil || !Refused(err) {
			t.Errorf("%s: %v; want a refusal", tc.name, err)
		}
		if got := calls.Load(); got != tc.want {
			t.Errorf("%s: calls = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// An error names the call, never its query, which carries a password or a token.
func TestErrorsHoldNoCredentials(t *testing.T) {
	c, _ := gateway(t, inOrder(`{"status_code":11002,"status_msg":"wrong username or password"}`))
	_, err := c.Login(context.Background(), "mia", "secret-password")
	if err == nil || !Refused(err) || strings.Contains(err.Error(), "secret-password") {
		t.Fatalf("login error %q", err)
	}
	c = &Client{Base: "http://127.0.0.1:1", HTTP: &http.Client{Timeout: time.Second}}
	err = c.Get(context.Background(), "/douyin/user/", map[string][]string{"token": {"secret-token"}}, nil)
	if err == nil || Refused(err) || strings.Contains(err.Error(), "secret-token") {
		t.Fatalf("transport error %q", err)
	}
}

// A register whose answer was lost is found by logging in on the next attempt.
func TestRegisterAfterALostAnswer(t *testing.T) {
	c, _ := gateway(t, func(n int, r *http.Request) string {
		switch {
		case n == 0:
			return broken // the account was made, the answer lost
		case strings.HasSuffix(r.URL.Path, "/login/"):
			return `{"status_code":0,"status_msg":"success","user_id":7,"token":"t7"}`
		}
		return `{"status_code":11001,"status_msg":"username taken"}`
	})
	c.RepeatWrites = true
	acc, err := c.Register(context.Background(), "mia", "pw")
	if err != nil || acc != (Account{ID: 7, Token: "t7"}) {
		t.Fatalf("register: %+v, %v", acc, err)
	}
}

// A publish is the phone's multipart body: token, title and the file as "data".
func TestPublishBody(t *testing.T) {
	got := map[string]string{}
	c, _ := gateway(t, func(_ int, r *http.Request) string {
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			return broken
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			got[p.FormName()+"|"+p.FileName()] = string(b)
		}
		return ok
	})
	if err := c.Publish(context.Background(), "tok", "A title", []byte("mp4 bytes")); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"token|": "tok", "title|": "A title", "data|clip.mp4": "mp4 bytes"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("parts %v; want %v", got, want)
	}
}
