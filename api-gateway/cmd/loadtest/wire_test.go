package main

import (
	"bufio"
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func reader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

func TestReadAnswer(t *testing.T) {
	cases := []struct {
		name       string
		wire       string
		status     int
		body       string
		keep       bool
		wantErr    bool
		afterwards string // what stays unread: the next answer on the connection
	}{
		{name: "content length", wire: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"status_code\":0}NEXT",
			status: 200, body: `{"status_code":0}`, keep: true, afterwards: "NEXT"},
		{name: "header names in any case", wire: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nCONNECTION: close\r\n\r\n{}",
			status: 200, body: `{}`, keep: false},
		{name: "chunked with extension and trailer", wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: 1\r\n\r\nNEXT",
			status: 200, body: "hello world", keep: true, afterwards: "NEXT"},
		{name: "no length runs to the end", wire: "HTTP/1.1 502 Bad Gateway\r\n\r\nupstream down",
			status: 502, body: "upstream down", keep: false},
		{name: "HTTP/1.0 closes", wire: "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", status: 200, keep: false},
		{name: "HTTP/1.0 keep-alive", wire: "HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n", status: 200, keep: true},
		{name: "no content", wire: "HTTP/1.1 204 No Content\r\n\r\nNEXT", status: 204, keep: true, afterwards: "NEXT"},
		{name: "not HTTP", wire: "SSH-2.0-OpenSSH\r\n", wantErr: true},
		{name: "bad length", wire: "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", status: 200, wantErr: true},
		{name: "cut short", wire: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", status: 200, body: "abc", wantErr: true},
		{name: "bad chunk", wire: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", status: 200, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := reader(c.wire)
			status, body, keep, err := readAnswer(r, make([]byte, 0, 4))
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error: %v", err, c.wantErr)
			}
			if status != c.status {
				t.Errorf("status = %d, want %d", status, c.status)
			}
			if c.wantErr {
				if keep {
					t.Error("a broken answer must close the connection")
				}
				return
			}
			if string(body) != c.body || keep != c.keep {
				t.Errorf("body %q keep %v; want %q keep %v", body, keep, c.body, c.keep)
			}
			rest := make([]byte, 16)
			n, _ := r.Read(rest)
			if string(rest[:n]) != c.afterwards {
				t.Errorf("left unread %q, want %q", rest[:n], c.afterwards)
			}
		})
	}
}

func TestReadAnswerReusesTheBuffer(t *testing.T) {
	r := reader("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nxy")
	buf := make([]byte, 0, 64)
	_, first, _, err := readAnswer(r, buf[:0])
	if err != nil || string(first) != "abc" {
		t.Fatalf("first answer %q, %v", first, err)
	}
	_, second, _, err := readAnswer(r, first[:0])
	if err != nil || string(second) != "xy" || &second[0] != &buf[:1][0] {
		t.Fatalf("second answer %q, %v: want xy in the same buffer", second, err)
	}
}

func TestTargetBytes(t *testing.T) {
	get, err := newTarget("GET", "http://127.0.0.1:8080", "/douyin/user/", url.Values{"user_id": {"5"}, "token": {"a b"}})
	if err != nil {
		t.Fatal(err)
	}
	wantGet := "GET /douyin/user/?token=a+b&user_id=5 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: simple-tiktok-loadtest\r\nAccept: */*\r\n\r\n"
	if string(get.raw) != wantGet || get.addr != "127.0.0.1:8080" {
		t.Errorf("GET target %q to %s; want %q to 127.0.0.1:8080", get.raw, get.addr, wantGet)
	}
	post, err := newTarget("POST", "http://localhost", "/douyin/favorite/action/", url.Values{"action_type": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(post.raw), "\r\nContent-Length: 0\r\n\r\n") || post.addr != "localhost:80" {
		t.Errorf("POST target %q to %s: want an empty body declared, to localhost:80", post.raw, post.addr)
	}
	if _, err := newTarget("GET", "https://example.test", "/", nil); err == nil {
		t.Error("an https base must be refused: the generator speaks plain HTTP/1.1")
	}
}

// A write whose text carries stampMark is numbered anew at each sending, in a copy of the same
// length, so that no two sendings post the same text; a target without it is sent as built.
func TestStampedTargetsDifferAtEachSending(t *testing.T) {
	post, err := newTarget(http.MethodPost, "http://127.0.0.1:8080", "/douyin/comment/action/",
		url.Values{"comment_text": {"hi " + stampMark}})
	if err != nil || post.stamp < 0 {
		t.Fatalf("stamped target: %v, stamp at %d", err, post.stamp)
	}
	first, second := post.request(), post.request()
	if bytes.Equal(first, second) || len(first) != len(post.raw) || len(second) != len(post.raw) {
		t.Fatalf("two sendings %q and %q of %q; want two numbers of the same length", first, second, post.raw)
	}
	if bytes.Contains(first, []byte(stampMark)) || !bytes.Contains(post.raw, []byte(stampMark)) {
		t.Fatalf("the mark must be numbered in the copy only: %q from %q", first, post.raw)
	}
	get, _ := newTarget(http.MethodGet, "http://127.0.0.1:8080", "/douyin/feed/", nil)
	if get.stamp != -1 || &get.request()[0] != &get.raw[0] {
		t.Fatal("an unstamped target must be sent as built")
	}
}
