package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/app/server"
	"github.com/cloudwego/hertz/pkg/common/hlog"

	"simpletiktok/api-gateway/hertz_gen/douyin"
)

// ceilingPath is the route of the canned feed page.
const ceilingPath = "/douyin/feed/"

// cannedFeed is a feed page of 30 videos by 30 authors encoded once, in the shape and about the
// size of the gateway's answer (the same generated model, absolute media URLs, non-zero counts).
func cannedFeed() ([]byte, error) {
	const base = "http://127.0.0.1:8080"
	resp := &douyin.FeedResponse{StatusMsg: "success", NextTime: 1_700_000_000_000}
	for i := range int64(30) {
		author := &douyin.User{
			Id: 1000 + i, Name: fmt.Sprintf("lt0000000u%d", i), FollowCount: 12 + i, FollowerCount: 15 + i,
			Avatar:          base + "/static/avatar.png",
			BackgroundImage: base + "/static/background.png",
			Signature:       "", TotalFavorited: 40 + i, WorkCount: 3, FavoriteCount: 21 + i,
		}
		resp.VideoList = append(resp.VideoList, &douyin.Video{
			Id: 5000 + i, Author: author,
			PlayUrl:       fmt.Sprintf("%s/media/videos/%d.mp4", base, 5000+i),
			CoverUrl:      fmt.Sprintf("%s/media/covers/%d.jpg", base, 5000+i),
			FavoriteCount: 10 + i, CommentCount: 5 + i, IsFavorite: i%3 == 0,
			Title: fmt.Sprintf("load test clip %d", i),
		})
	}
	return json.Marshal(resp)
}

// ceiling is a bare Hertz server, built like the gateway's but with nothing behind it: it answers
// the canned page to any GET of the feed. What the generator reaches against it in the same run is
// the most any endpoint of the gateway could reach on this machine.
type ceiling struct {
	h    *server.Hertz
	addr string
	size int
}

// startCeiling serves the canned page on a free port of 127.0.0.1 and waits until it answers.
func startCeiling(ctx context.Context) (*ceiling, error) {
	page, err := cannedFeed()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	hlog.SetLevel(hlog.LevelWarn)
	// The gateway's server options (api-gateway/main.go), so that only what is behind the handler
	// differs.
	h := server.New(
		server.WithHostPorts(addr),
		server.WithExitWaitTime(time.Second),
		server.WithRedirectTrailingSlash(false),
		server.WithHandleMethodNotAllowed(true),
		server.WithDisablePrintRoute(true),
		server.WithStreamBody(true),
		server.WithDisablePreParseMultipartForm(true),
	)
	h.GET(ceilingPath, func(_ context.Context, c *app.RequestContext) {
		c.Data(http.StatusOK, "application/json; charset=utf-8", page)
	})
	ran := make(chan error, 1)
	go func() { ran <- h.Run() }()
	c := &ceiling{h: h, addr: addr, size: len(page)}
	if err := waitReady(ctx, "http://"+addr+ceilingPath, 10*time.Second); err != nil {
		c.stop()
		select {
		case runErr := <-ran:
			err = runErr
		default:
		}
		return nil, fmt.Errorf("the ceiling server did not answer: %w", err)
	}
	return c, nil
}

func (c *ceiling) url() string { return "http://" + c.addr }

func (c *ceiling) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = c.h.Shutdown(ctx)
}

// freeAddr finds a port of 127.0.0.1 nothing listens on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitReady polls url until it answers an ok answer or within runs out.
func waitReady(ctx context.Context, url string, within time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(within)
	var last error
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return last
}
