package assemble

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/cloudwego/kitex/client/callopt"
	"github.com/cloudwego/kitex/pkg/kerrors"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
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

// counter counts the calls the fakes receive, by method.
type counter struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *counter) add(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[method]++
}

func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.calls {
		n += v
	}
	return n
}

type fakeUsers struct {
	userservice.Client
	n *counter
}

func (f fakeUsers) MGetUsers(_ context.Context, req *user.MGetUsersRequest, _ ...callopt.Option) (*user.MGetUsersResponse, error) {
	f.n.add("user.MGetUsers")
	if len(req.UserIds) > idbatch.Max {
		return nil, kerrors.NewBizStatusError(errno.BadRequest.Code, "too many ids")
	}
	resp := &user.MGetUsersResponse{}
	for _, id := range req.UserIds {
		if id < 1000 || id > 2000 { // ids 1000 to 2000 do not exist
			resp.Users = append(resp.Users, &user.User{Id: id, Name: fmt.Sprint("u", id)})
		}
	}
	return resp, nil
}

type fakeRelations struct {
	relationservice.Client
	n *counter
}

func (f fakeRelations) UserStats(_ context.Context, req *relation.UserStatsRequest, _ ...callopt.Option) (*relation.UserStatsResponse, error) {
	f.n.add("relation.UserStats")
	stats := map[int64]*relation.UserRelationStat{}
	for _, id := range req.UserIds {
		stats[id] = &relation.UserRelationStat{FollowCount: id * 10, FollowerCount: id * 100}
	}
	return &relation.UserStatsResponse{Stats: stats}, nil
}

func (f fakeRelations) IsFollowing(_ context.Context, req *relation.IsFollowingRequest, _ ...callopt.Option) (*relation.IsFollowingResponse, error) {
	f.n.add("relation.IsFollowing")
	following := map[int64]bool{}
	for _, id := range req.UserIds {
		following[id] = id%2 == 0
	}
	return &relation.IsFollowingResponse{Following: following}, nil
}

type fakeFavorites struct {
	favoriteservice.Client
	n *counter
}

func (f fakeFavorites) UserStats(_ context.Context, req *favorite.UserStatsRequest, _ ...callopt.Option) (*favorite.UserStatsResponse, error) {
	f.n.add("favorite.UserStats")
	stats := map[int64]*favorite.UserFavoriteStat{}
	for _, id := range req.UserIds {
		stats[id] = &favorite.UserFavoriteStat{FavoriteCount: 1, TotalFavorited: id}
	}
	return &favorite.UserStatsResponse{Stats: stats}, nil
}

func (f fakeFavorites) VideoStats(_ context.Context, req *favorite.VideoStatsRequest, _ ...callopt.Option) (*favorite.VideoStatsResponse, error) {
	f.n.add("favorite.VideoStats")
	stats := map[int64]*favorite.VideoFavoriteStat{}
	for _, id := range req.VideoIds {
		stats[id] = &favorite.VideoFavoriteStat{FavoriteCount: 2 * id, IsFavorite: req.ViewerId != 0 && id%2 == 0}
	}
	return &favorite.VideoStatsResponse{Stats: stats}, nil
}

type fakeVideos struct {
	videoservice.Client
	n *counter
}

func (f fakeVideos) CountWorks(_ context.Context, req *video.CountWorksRequest, _ ...callopt.Option) (*video.CountWorksResponse, error) {
	f.n.add("video.CountWorks")
	counts := map[int64]int64{}
	for _, id := range req.UserIds {
		counts[id] = 3
	}
	return &video.CountWorksResponse{WorkCounts: counts}, nil
}

type fakeComments struct {
	commentservice.Client
	n *counter
}

func (f fakeComments) CountComments(_ context.Context, req *comment.CountCommentsRequest, _ ...callopt.Option) (*comment.CountCommentsResponse, error) {
	f.n.add("comment.CountComments")
	counts := map[int64]int64{}
	for _, id := range req.VideoIds {
		counts[id] = id + 1
	}
	return &comment.CountCommentsResponse{CommentCounts: counts}, nil
}

func newAssembler() (*Assembler, *counter) {
	n := &counter{calls: map[string]int{}}
	c := Clients{
		User:     fakeUsers{n: n},
		Relation: fakeRelations{n: n},
		Favorite: fakeFavorites{n: n},
		Video:    fakeVideos{n: n},
		Comment:  fakeComments{n: n},
	}
	return New(c, NewMedia("http://media.test/"), slog.New(slog.DiscardHandler)), n
}

func TestUsersCallCountDoesNotDependOnLength(t *testing.T) {
	for _, size := range []int{1, 30, 200} {
		a, n := newAssembler()
		ids := make([]int64, size)
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		users, err := a.Users(context.Background(), 7, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != size {
			t.Fatalf("size %d: got %d users", size, len(users))
		}
		if got := n.total(); got != 5 {
			t.Fatalf("size %d: %d calls (%v); want 5", size, got, n.calls)
		}
	}
}

func TestUserFields(t *testing.T) {
	a, _ := newAssembler()
	u, err := a.User(context.Background(), 7, 2)
	if err != nil {
		t.Fatal(err)
	}
	if u.Id != 2 || u.Name != "u2" || u.FollowCount != 20 || u.FollowerCount != 200 || !u.IsFollow ||
		u.WorkCount != 3 || u.FavoriteCount != 1 || u.TotalFavorited != 2 {
		t.Fatalf("user = %+v", u)
	}
	if u.Avatar != "http://media.test/static/avatar.png" || u.BackgroundImage != "http://media.test/static/cover.jpg" {
		t.Fatalf("default images = %q, %q", u.Avatar, u.BackgroundImage)
	}
	if _, err := a.User(context.Background(), 7, 1000); !errors.Is(err, errno.UserNotFound) {
		t.Fatalf("missing user: %v; want UserNotFound", err)
	}
}

func TestAnonymousViewerFollowsNobody(t *testing.T) {
	a, n := newAssembler()
	u, err := a.User(context.Background(), 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if u.IsFollow {
		t.Fatal("an anonymous viewer follows someone")
	}
	if n.calls["relation.IsFollowing"] != 0 {
		t.Fatal("IsFollowing was asked for an anonymous viewer")
	}
}

func TestVideosCallCountDoesNotDependOnLength(t *testing.T) {
	for _, size := range []int{1, 30} {
		a, n := newAssembler()
		vs := make([]*video.Video, size)
		for i := range vs {
			vs[i] = &video.Video{Id: int64(100 + i), AuthorId: int64(i%5 + 1), PlayKey: "v.mp4"}
		}
		out, err := a.Videos(context.Background(), 7, vs)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != size {
			t.Fatalf("size %d: got %d videos", size, len(out))
		}
		if got := n.total(); got != 7 {
			t.Fatalf("size %d: %d calls (%v); want 7", size, got, n.calls)
		}
		first := out[0]
		if first.CommentCount != 101 || first.FavoriteCount != 200 || !first.IsFavorite ||
			first.PlayUrl != "http://media.test/media/v.mp4" || first.CoverUrl != "http://media.test/static/cover.jpg" ||
			first.Author.Id != 1 {
			t.Fatalf("video = %+v", first)
		}
	}
}

func TestFailureOfAnExistingServiceFailsThePage(t *testing.T) {
	a, _ := newAssembler()
	a.c.Video = brokenVideos{}
	if _, err := a.Users(context.Background(), 0, []int64{1}); !errors.Is(err, errno.ServiceUnavailable) {
		t.Fatalf("Users with a broken video service = %v; want ServiceUnavailable", err)
	}
}

type brokenVideos struct{ videoservice.Client }

func (brokenVideos) CountWorks(context.Context, *video.CountWorksRequest, ...callopt.Option) (*video.CountWorksResponse, error) {
	return nil, errors.New("connection refused")
}

// A list longer than one batch is split: every user is there, and no call carries more ids than
// a service takes.
func TestUsersBeyondOneBatch(t *testing.T) {
	a, n := newAssembler()
	ids := make([]int64, 0, 1200)
	for i := int64(1); i <= 1200; i++ {
		ids = append(ids, 3000+i)
	}
	list, err := a.UserList(context.Background(), 7, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(ids) || list[0].Id != ids[0] || list[len(list)-1].Id != ids[len(ids)-1] {
		t.Fatalf("got %d users", len(list))
	}
	if got := n.calls["user.MGetUsers"]; got != 3 {
		t.Fatalf("MGetUsers called %d times for 1200 ids; want 3 batches", got)
	}
}

// The gateway's own cost of assembling a full feed page (30 videos, 5 authors) from batch answers.
func BenchmarkVideosPage(b *testing.B) {
	a, _ := newAssembler()
	page := make([]*video.Video, 30)
	for i := range page {
		page[i] = &video.Video{Id: int64(100 + i), AuthorId: int64(i%5 + 1), PlayKey: "v.mp4", CoverKey: "c.jpg"}
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Videos(ctx, 7, page); err != nil {
			b.Fatal(err)
		}
	}
}
