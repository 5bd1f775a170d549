package handler_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/cloudwego/hertz/pkg/common/config"
	"github.com/cloudwego/hertz/pkg/route"
	"github.com/opentracing/opentracing-go/mocktracer"

	"simpletiktok/api-gateway/internal/application"
	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/api-gateway/internal/handler"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/api-gateway/internal/router"
	"simpletiktok/pkg/kitex_gen/video"
)

// pageCounter counts degraded pages by route, as the metrics do.
type pageCounter struct {
	mu    sync.Mutex
	pages map[string]int
}

func (p *pageCounter) Degraded(page string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pages[page]++
}

// degradingGateway is gateway() wired as main wires it: decorations kept soft, the request span
// and the degradation report around every request. It returns what the gateway logs, the spans it
// finished and its count of degraded pages.
func degradingGateway(t *testing.T, b *fakes.Backend) (*route.Engine, *bytes.Buffer, *mocktracer.MockTracer, *pageCounter) {
	t.Helper()
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	tracer, counter := mocktracer.New(), &pageCounter{pages: map[string]int{}}
	pages := assemble.New(b.Clients(), assemble.NewMedia("http://gw.test"), log)
	uses := application.New(b.Clients(), pages, fakes.Tokens{}, nil, &fakes.Events{}, log)
	engine := route.NewEngine(config.NewOptions(nil))
	engine.Use(middleware.Trace(tracer, log), middleware.Degraded(log, counter))
	if err := router.Register(engine, handler.New(uses, fakes.Tokens{}, nil, log), fakes.Tokens{}, nil); err != nil {
		t.Fatal(err)
	}
	return engine, logs, tracer, counter
}

// With favorite, comment and relation down, the feed and the publish list still answer with their
// videos and authors; counts and flags are zero. The gateway says so once per request: one
// warning naming the calls, span tags, one count for the route.
func TestPagesDegradeWhenDecorationsFail(t *testing.T) {
	b := fakes.New()
	b.FeedVideos = []*video.Video{{Id: 4, AuthorId: 2, Title: "four"}, {Id: 2, AuthorId: 2, Title: "two"}}
	b.Works = map[int64][]*video.Video{2: b.FeedVideos}
	for _, call := range []string{"favorite.Stats", "comment.CountComments", "relation.UserStats"} {
		b.Fail(call, fakes.Unreachable())
	}
	e, logs, tracer, counter := degradingGateway(t, b)
	for _, path := range []string{"/douyin/feed/?token=u7", "/douyin/publish/list/?token=u7&user_id=2"} {
		logs.Reset()
		tracer.Reset()
		body := call(t, e, http.MethodGet, path)
		list, _ := body["video_list"].([]any)
		if code(body) != 0 || len(list) != 2 {
			t.Fatalf("%s with decorations down = %v; want both videos", path, body)
		}
		for _, item := range list {
			v := item.(map[string]any)
			author := v["author"].(map[string]any)
			if v["title"] == "" || num(v["favorite_count"]) != 0 || num(v["comment_count"]) != 0 || v["is_favorite"] != false ||
				author["name"] != "u2" || num(author["follow_count"]) != 0 || author["is_follow"] != false ||
				num(author["total_favorited"]) != 0 || num(author["work_count"]) != 3 {
				t.Fatalf("%s: a degraded video shows %v; want its rows, zero counts, false flags (work_count still 3)", path, v)
			}
		}
		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], `"level":"WARN"`) ||
			!strings.Contains(lines[0], "comment.CountComments,favorite.Stats,relation.UserStats") {
			t.Fatalf("%s logged %q; want one warning naming the three failed calls", path, lines)
		}
		spans := tracer.FinishedSpans()
		if len(spans) != 1 || spans[0].Tag("degraded") != true ||
			!strings.Contains(spans[0].Tag("degraded.parts").(string), "favorite.Stats") {
			t.Fatalf("%s: spans %v; want the request span tagged degraded", path, spans)
		}
	}
	if counter.pages["/douyin/feed/"] != 1 || counter.pages["/douyin/publish/list/"] != 1 {
		t.Fatalf("degraded pages counted %v; want one per route", counter.pages)
	}
}

// The favorite list needs the favorite service for its rows; with comment and relation down it
// degrades. A page whose rows cannot be read fails (10004) and is not counted as degraded; a whole
// page says nothing.
func TestOnlyDecorationsDegrade(t *testing.T) {
	b := fakes.New()
	b.Liked = []int64{6, 4}
	b.Fail("comment.CountComments", fakes.Unreachable())
	b.Fail("relation.UserStats", fakes.Unreachable())
	e, logs, _, counter := degradingGateway(t, b)
	body := call(t, e, http.MethodGet, "/douyin/favorite/list/?token=u7&user_id=3")
	list, _ := body["video_list"].([]any)
	if code(body) != 0 || len(list) != 2 || num(list[0].(map[string]any)["favorite_count"]) != 12 {
		t.Fatalf("favorite list with comment and relation down = %v; want both videos, favorite counts kept", body)
	}
	b.Fail("favorite.ListFavorites", fakes.Unreachable())
	body = call(t, e, http.MethodGet, "/douyin/favorite/list/?token=u7&user_id=3")
	if code(body) != 10004 || !isEmptyList(body["video_list"]) {
		t.Fatalf("favorite list with favorite down = %v; want 10004", body)
	}
	if counter.pages["/douyin/favorite/list/"] != 1 {
		t.Fatalf("degraded pages %v; want the first list only", counter.pages)
	}

	for _, call := range []string{"favorite.ListFavorites", "comment.CountComments", "relation.UserStats"} {
		b.Fail(call, nil)
	}
	logs.Reset()
	b.Liked = []int64{6}
	body = call(t, e, http.MethodGet, "/douyin/favorite/list/?token=u7&user_id=3")
	if code(body) != 0 || logs.Len() != 0 || counter.pages["/douyin/favorite/list/"] != 1 {
		t.Fatalf("a whole page = %v, logged %q, counted %v; want silence", body, logs.String(), counter.pages)
	}
}
