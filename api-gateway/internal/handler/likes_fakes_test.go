package handler_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudwego/hertz/pkg/common/config"
	"github.com/cloudwego/hertz/pkg/common/ut"
	"github.com/cloudwego/hertz/pkg/route"
	"github.com/cloudwego/kitex/client/callopt"
	"github.com/cloudwego/kitex/pkg/kerrors"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/handler"
	"simpletiktok/api-gateway/internal/router"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/kitex_gen/comment/commentservice"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/favorite/favoriteservice"
	"simpletiktok/pkg/kitex_gen/relation"
	"simpletiktok/pkg/kitex_gen/relation/relationservice"
	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/user/userservice"
	"simpletiktok/pkg/kitex_gen/video"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
)

// backend stands for the six services: it answers from what the test set and counts every call,
// so the tests can check what the handlers ask for and how often. Tests of the services' own
// behaviour run against the real services (services/*, e2e).
type backend struct {
	mu    sync.Mutex
	calls map[string]int
	last  map[string]any

	liked    []int64            // ListFavorites answer
	comments []*comment.Comment // ListComments answer
	fail     map[string]error   // method -> error to answer with
}

func newBackend() *backend {
	return &backend{calls: map[string]int{}, last: map[string]any{}, fail: map[string]error{}}
}

func (b *backend) record(method string, req any) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls[method]++
	b.last[method] = req
	return b.fail[method]
}

func (b *backend) total() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, c := range b.calls {
		n += c
	}
	return n
}

func (b *backend) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls, b.last = map[string]int{}, map[string]any{}
}

type users struct {
	userservice.Client
	b *backend
}

func (u users) MGetUsers(_ context.Context, req *user.MGetUsersRequest, _ ...callopt.Option) (*user.MGetUsersResponse, error) {
	if err := u.b.record("user.MGetUsers", req); err != nil {
		return nil, err
	}
	resp := &user.MGetUsersResponse{}
	for _, id := range req.UserIds {
		resp.Users = append(resp.Users, &user.User{Id: id, Name: fmt.Sprint("u", id)})
	}
	return resp, nil
}

type relations struct {
	relationservice.Client
	b *backend
}

func (r relations) UserStats(_ context.Context, req *relation.UserStatsRequest, _ ...callopt.Option) (*relation.UserStatsResponse, error) {
	return &relation.UserStatsResponse{}, r.b.record("relation.UserStats", req)
}

func (r relations) IsFollowing(_ context.Context, req *relation.IsFollowingRequest, _ ...callopt.Option) (*relation.IsFollowingResponse, error) {
	return &relation.IsFollowingResponse{}, r.b.record("relation.IsFollowing", req)
}

type videos struct {
	videoservice.Client
	b *backend
}

func (v videos) CountWorks(_ context.Context, req *video.CountWorksRequest, _ ...callopt.Option) (*video.CountWorksResponse, error) {
	return &video.CountWorksResponse{}, v.b.record("video.CountWorks", req)
}

// MGetVideos answers in reverse order and leaves out ids from 1000 on (deleted videos), so the
// handler's own ordering and gaps are tested.
func (v videos) MGetVideos(_ context.Context, req *video.MGetVideosRequest, _ ...callopt.Option) (*video.MGetVideosResponse, error) {
	if err := v.b.record("video.MGetVideos", req); err != nil {
		return nil, err
	}
	resp := &video.MGetVideosResponse{}
	for i := len(req.VideoIds) - 1; i >= 0; i-- {
		if id := req.VideoIds[i]; id < 1000 {
			resp.Videos = append(resp.Videos, &video.Video{Id: id, AuthorId: id%7 + 1, PlayKey: "v.mp4"})
		}
	}
	return resp, nil
}

type favorites struct {
	favoriteservice.Client
	b *backend
}

func (f favorites) FavoriteAction(_ context.Context, req *favorite.FavoriteActionRequest, _ ...callopt.Option) (*favorite.FavoriteActionResponse, error) {
	return &favorite.FavoriteActionResponse{}, f.b.record("favorite.FavoriteAction", req)
}

func (f favorites) ListFavorites(_ context.Context, req *favorite.ListFavoritesRequest, _ ...callopt.Option) (*favorite.ListFavoritesResponse, error) {
	return &favorite.ListFavoritesResponse{VideoIds: f.b.liked}, f.b.record("favorite.ListFavorites", req)
}

func (f favorites) VideoStats(_ context.Context, req *favorite.VideoStatsRequest, _ ...callopt.Option) (*favorite.VideoStatsResponse, error) {
	stats := map[int64]*favorite.VideoFavoriteStat{}
	for _, id := range req.VideoIds {
		stats[id] = &favorite.VideoFavoriteStat{FavoriteCount: id * 2, IsFavorite: true}
	}
	return &favorite.VideoStatsResponse{Stats: stats}, f.b.record("favorite.VideoStats", req)
}

func (f favorites) UserStats(_ context.Context, req *favorite.UserStatsRequest, _ ...callopt.Option) (*favorite.UserStatsResponse, error) {
	return &favorite.UserStatsResponse{}, f.b.record("favorite.UserStats", req)
}

type comments struct {
	commentservice.Client
	b *backend
}

func (c comments) PostComment(_ context.Context, req *comment.PostCommentRequest, _ ...callopt.Option) (*comment.PostCommentResponse, error) {
	if err := c.b.record("comment.PostComment", req); err != nil {
		return nil, err
	}
	return &comment.PostCommentResponse{Comment: &comment.Comment{Id: 55, VideoId: req.VideoId, UserId: req.UserId,
		Content: req.Content, CreateTimeMs: marchNinth8pmUTC}}, nil
}

func (c comments) DeleteComment(_ context.Context, req *comment.DeleteCommentRequest, _ ...callopt.Option) (*comment.DeleteCommentResponse, error) {
	return &comment.DeleteCommentResponse{}, c.b.record("comment.DeleteComment", req)
}

func (c comments) ListComments(_ context.Context, req *comment.ListCommentsRequest, _ ...callopt.Option) (*comment.ListCommentsResponse, error) {
	return &comment.ListCommentsResponse{Comments: c.b.comments}, c.b.record("comment.ListComments", req)
}

func (c comments) CountComments(_ context.Context, req *comment.CountCommentsRequest, _ ...callopt.Option) (*comment.CountCommentsResponse, error) {
	return &comment.CountCommentsResponse{}, c.b.record("comment.CountComments", req)
}

// 2024-03-09 20:00 UTC: already March 10th in Shanghai.
var marchNinth8pmUTC = time.Date(2024, 3, 9, 20, 0, 0, 0, time.UTC).UnixMilli()

// tokens accepts "u<id>" as the token of user id.
type tokens struct{}

func (tokens) Verify(tok string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(tok, "u"), 10, 64)
	if err != nil || !strings.HasPrefix(tok, "u") {
		return 0, errors.New("bad token")
	}
	return id, nil
}

func (tokens) Issue(id int64) (string, error) { return fmt.Sprint("u", id), nil }

// gateway serves the real routes and handlers over the fake backend.
func gateway(t *testing.T, b *backend, opts ...handler.Option) *route.Engine {
	t.Helper()
	c := assemble.Clients{User: users{b: b}, Relation: relations{b: b}, Video: videos{b: b},
		Favorite: favorites{b: b}, Comment: comments{b: b}}
	log := slog.New(slog.DiscardHandler)
	pages := assemble.New(c, assemble.NewMedia("http://gw.test"), log)
	engine := route.NewEngine(config.NewOptions(nil))
	if err := router.Register(engine, handler.New(c, pages, tokens{}, nil, log, opts...), tokens{}); err != nil {
		t.Fatal(err)
	}
	return engine
}

// call sends method path?query and decodes the JSON answer.
func call(t *testing.T, e *route.Engine, method, pathQuery string) map[string]any {
	t.Helper()
	w := ut.PerformRequest(e, method, pathQuery, nil)
	resp := w.Result()
	if resp.StatusCode() != 200 {
		t.Fatalf("%s %s: HTTP %d %s", method, pathQuery, resp.StatusCode(), resp.Body())
	}
	var body map[string]any
	if err := json.Unmarshal(resp.Body(), &body); err != nil {
		t.Fatalf("%s %s: not JSON: %s", method, pathQuery, resp.Body())
	}
	return body
}

func code(body map[string]any) int64 {
	n, _ := body["status_code"].(float64)
	return int64(n)
}

var businessErr = func(code int32, msg string) error { return kerrors.NewBizStatusError(code, msg) }
