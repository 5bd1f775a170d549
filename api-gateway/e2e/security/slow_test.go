//go:build integration

package security

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"simpletiktok/api-gateway/e2e/e2etest"
)

// dripper is a client that sends a request's head, then its body a byte at a time.
type dripper struct {
	path, contentType string
	chunked           bool // Transfer-Encoding: chunked; else a declared length of 1 MiB
	head              string
}

func (d dripper) run(ctx context.Context, conn net.Conn, host string) {
	defer conn.Close()
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n", d.path, host, d.contentType)
	send := func(s string) {
		if d.chunked {
			fmt.Fprintf(w, "%x\r\n%s\r\n", len(s), s)
		} else {
			w.WriteString(s)
		}
	}
	if d.chunked {
		w.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	} else {
		w.WriteString("Content-Length: 1048576\r\n\r\n")
	}
	send(d.head)
	for {
		if w.Flush() != nil {
			return // the gateway let it go
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
		send("x")
	}
}

// inFlight is the gateway's count of requests in flight (tiktok_http_requests_in_flight).
func inFlight(t *testing.T) float64 {
	t.Helper()
	resp, err := http.Get(shared.stack.AdminURL("api-gateway") + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "tiktok_http_requests_in_flight "); ok {
			var n float64
			fmt.Sscan(rest, &n)
			return n
		}
	}
	return 0
}

// Clients from 48 addresses (three times the cap in flight) drip their bodies, a byte every half
// second: comment posts chunked or of a declared length whose first 16 KiB come at once (past
// what the server reads before the handlers), and uploads. Meanwhile the feed and a profile are
// still answered.
func TestSlowBodiesDoNotStopOtherRequests(t *testing.T) {
	id, token := account(t, "slow")
	gw, err := url.Parse(shared.phone.Base)
	if err != nil {
		t.Fatal(err)
	}
	comment := "/douyin/comment/action/?" + vals("token", token, "video_id", "1", "action_type", "1").Encode()
	kinds := []dripper{
		{path: comment, contentType: "application/x-www-form-urlencoded", chunked: true, head: "comment_text=" + strings.Repeat("a", 100)},
		{path: comment, contentType: "application/x-www-form-urlencoded", head: "comment_text=" + strings.Repeat("a", 16<<10)},
		{path: "/douyin/publish/action/", contentType: "multipart/form-data; boundary=b0undary", chunked: true,
			head: "--b0undary\r\nContent-Disposition: form-data; name=\"data\"; filename=\"a.mp4\"\r\nContent-Type: video/mp4\r\n\r\n"},
	}
	ctx, stop := context.WithCancel(context.Background())
	var drippers sync.WaitGroup
	defer func() { stop(); drippers.Wait() }()
	const clients = 3 * maxInFlight
	for i := range clients {
		src := net.IPv4(127, 0, 0, byte(2+i))
		dialer := net.Dialer{LocalAddr: &net.TCPAddr{IP: src}, Timeout: 5 * time.Second}
		conn, err := dialer.Dial("tcp", gw.Host)
		if err != nil {
			t.Fatalf("connect from %s: %v", src, err)
		}
		drippers.Go(func() { kinds[i%len(kinds)].run(ctx, conn, gw.Host) })
	}
	// The drippers are in once the gateway has at least its cap of requests in flight (it counts
	// every request it is reading, whether or not it holds a place).
	for deadline := time.Now().Add(30 * time.Second); inFlight(t) < maxInFlight; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the gateway counts %v requests in flight after 30 s; want the drippers' %d", inFlight(t), clients)
		}
	}
	t.Logf("the gateway counts %v requests in flight", inFlight(t))

	// Each answer within its client's timeout (10 s: a liveness bound, not a measure).
	phone := e2etest.Phone{Base: shared.phone.Base, Timeout: 10 * time.Second}
	for i := range 20 {
		params := vals()
		if i%2 == 1 {
			params = vals("token", token)
		}
		e2etest.OK(t, phone.Get(t, "/douyin/feed/", params))
	}
	e2etest.OK(t, phone.Get(t, "/douyin/user/", vals("token", token, "user_id", fmt.Sprint(id))))
}
