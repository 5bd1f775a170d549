package assemble_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/relation"
	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/video"
)

func newAssembler(opts ...assemble.Option) (*assemble.Assembler, *fakes.Backend) {
	b := fakes.New()
	return assemble.New(b.Clients(), assemble.NewMedia("http://media.test/"), slog.New(slog.DiscardHandler), opts...), b
}

func ids(from, n int64) []int64 {
	out := make([]int64, 0, n)
	for i := range n {
		out = append(out, from+i)
	}
	return out
}

func TestUsersCallCountDoesNotDependOnLength(t *testing.T) {
	for _, size := range []int64{1, 30, 200} {
		a, b := newAssembler()
		users, err := a.Users(context.Background(), 7, ids(1, size))
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(users)) != size {
			t.Fatalf("size %d: got %d users", size, len(users))
		}
		// profiles, relation counts with the viewer's follows, favorite counts, work counts
		if got := b.Total(); got != 4 {
			t.Fatalf("size %d: %d calls (%v); want 4", size, got, b.CallCounts())
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
	if _, err := a.User(context.Background(), 7, fakes.MissingFrom); !errors.Is(err, errno.UserNotFound) {
		t.Fatalf("missing user: %v; want UserNotFound", err)
	}
}

func TestAnonymousViewerFollowsNobody(t *testing.T) {
	a, b := newAssembler()
	u, err := a.User(context.Background(), 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if u.IsFollow {
		t.Fatal("an anonymous viewer follows someone")
	}
	if req := b.Last("relation.UserStats").(*relation.UserStatsQuery); req.ViewerId != 0 {
		t.Fatalf("relation.UserStats was asked for viewer %d; want 0", req.ViewerId)
	}
}

// Profiles never change: with KeepProfiles, a page asks the user service only for those it has
// not shown, while every count and flag is asked again (they change).
func TestKeptProfilesAreNotAskedAgain(t *testing.T) {
	a, b := newAssembler(assemble.KeepProfiles(100))
	ctx := context.Background()
	if _, err := a.Users(ctx, 7, []int64{1, 2, fakes.MissingFrom}); err != nil {
		t.Fatal(err)
	}
	users, err := a.Users(ctx, 7, []int64{2, 1, 3, fakes.MissingFrom})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 3 || users[2].Name != "u2" || users[2].FollowerCount != 200 || !users[2].IsFollow {
		t.Fatalf("users = %v", users)
	}
	// the second page asked for 3 (never shown) and the missing id (it may be registered later)
	if req := b.Last("user.MGetUsers").(*user.MGetUsersRequest); len(req.UserIds) != 2 ||
		req.UserIds[0] != 3 || req.UserIds[1] != fakes.MissingFrom {
		t.Fatalf("second MGetUsers asked %v; want [3 %d]", req.UserIds, fakes.MissingFrom)
	}
	for _, call := range []string{"relation.UserStats", "favorite.Stats", "video.CountWorks"} {
		if n := b.Calls(call); n != 2 {
			t.Fatalf("%s called %d times over two pages; want 2", call, n)
		}
	}
	if _, err := a.Users(ctx, 7, []int64{1, 2}); err != nil {
		t.Fatal(err)
	}
	if n := b.Calls("user.MGetUsers"); n != 2 {
		t.Fatalf("a page of kept profiles called MGetUsers (%d calls in all; want 2)", n)
	}
}

func page(n int) []*video.Video {
	vs := make([]*video.Video, n)
	for i := range vs {
		vs[i] = &video.Video{Id: int64(100 + i), AuthorId: int64(i%5 + 1), PlayKey: "v.mp4"}
	}
	return vs
}

func TestVideosCallCountDoesNotDependOnLength(t *testing.T) {
	for _, size := range []int{1, 30} {
		a, b := newAssembler()
		out, err := a.Videos(context.Background(), 7, assemble.Rows(page(size), map[int64]int64{1: 4}))
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != size {
			t.Fatalf("size %d: got %d videos", size, len(out))
		}
		// authors' profiles, their relation counts, favorite counts of videos and authors, comment
		// counts; the work counts came with the videos
		if got := b.Total(); got != 4 {
			t.Fatalf("size %d: %d calls (%v); want 4", size, got, b.CallCounts())
		}
		first := out[0]
		if first.CommentCount != 101 || first.FavoriteCount != 200 || !first.IsFavorite ||
			first.PlayUrl != "http://media.test/media/v.mp4" || first.CoverUrl != "http://media.test/static/cover.jpg" ||
			first.Author.Id != 1 {
			t.Fatalf("video = %+v", first)
		}
		if au := first.Author; au.WorkCount != 4 || au.FollowerCount != 100 || au.IsFollow || au.TotalFavorited != 1 {
			t.Fatalf("author = %+v", au)
		}
		req := b.Last("favorite.Stats").(*favorite.StatsQuery)
		if req.ViewerId != 7 || len(req.VideoIds) != size || len(req.UserIds) != min(size, 5) {
			t.Fatalf("favorite.Stats asked %+v", req)
		}
	}
}

// whileRowsHeld assembles page while video.MGetVideos is held, and returns it once each method
// of want has been called that many times in all (the page's other calls did not wait for the
// rows); it fails the test if they are not made within about five seconds.
func whileRowsHeld(t *testing.T, b *fakes.Backend, page func() ([]*douyin.Video, error), want map[string]int) []*douyin.Video {
	t.Helper()
	entered, release := b.Hold("video.MGetVideos")
	done := make(chan []*douyin.Video, 1)
	go func() {
		out, err := page()
		if err != nil {
			t.Error(err)
		}
		done <- out
	}()
	<-entered
	for i := 0; ; i++ {
		made := true
		for method, n := range want {
			made = made && b.Calls(method) >= n
		}
		if made {
			break
		}
		if i == 5000 {
			release()
			t.Fatalf("while the rows were held: %v; want at least %v made already", b.CallCounts(), want)
		}
		time.Sleep(time.Millisecond)
	}
	release()
	return <-done
}

// A favorite list comes with its authors and the likes' part of the page: the page shows them
// without asking favorite.Stats, reads the videos' rows alongside the rest, keeps the list's order
// and leaves out a video deleted since it was liked.
func TestLikedVideosReadRowsAlongside(t *testing.T) {
	ctx := context.Background()
	a, b := newAssembler()
	b.Liked = []int64{5, fakes.MissingFrom, 3, 4} // one deleted since it was liked
	list, err := b.Clients().Reads.ListFavorites.Do(ctx, &favorite.ListFavoritesQuery{UserId: 1, ViewerId: 7})
	if err != nil || len(list.AuthorIds) != 4 {
		t.Fatalf("the fake's list = %+v, %v", list, err)
	}
	got := whileRowsHeld(t, b, func() ([]*douyin.Video, error) { return a.Videos(ctx, 7, assemble.Liked(list)) },
		map[string]int{"relation.UserStats": 1, "comment.CountComments": 1, "user.MGetUsers": 1})
	if len(got) != 3 || got[0].Id != 5 || got[1].Id != 3 || got[2].Id != 4 {
		t.Fatalf("the page = %+v; want videos 5, 3, 4", got)
	}
	if v := got[0]; v.FavoriteCount != 10 || v.IsFavorite || v.Author.TotalFavorited != fakes.AuthorOf(5) || v.Author.WorkCount != 3 {
		t.Fatalf("the list's stats and rows show %+v", v)
	}
	if n := b.Calls("favorite.Stats"); n != 0 || b.Total() != 5 {
		t.Fatalf("the page made calls %v; want 5 in all (the list, then four at once), no favorite.Stats", b.CallCounts())
	}
	// The authors are the list's: the deleted video's too, asked for and not shown.
	if req := b.Last("relation.UserStats").(*relation.UserStatsQuery); len(req.UserIds) != 4 || req.ViewerId != 7 {
		t.Fatalf("relation.UserStats was asked %+v; want the list's four authors, for viewer 7", req)
	}
}

// A list of videos longer than one batch is read as several batches at once, in its order, none
// carrying more ids than a service takes (the fakes refuse more, as the services do).
func TestVideosBeyondOneBatch(t *testing.T) {
	ctx := context.Background()
	a, b := newAssembler()
	b.Liked = ids(1, 600)
	list, err := b.Clients().Reads.ListFavorites.Do(ctx, &favorite.ListFavoritesQuery{UserId: 1, ViewerId: 7})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Videos(ctx, 7, assemble.Liked(list))
	if err != nil || len(got) != 600 || got[0].Id != 1 || got[599].Id != 600 {
		t.Fatalf("a list of 600 = %d videos, %v", len(got), err)
	}
	if n := b.Calls("video.MGetVideos"); n != 2 {
		t.Fatalf("video.MGetVideos called %d times for 600 videos; want 2 batches", n)
	}
}

// A list longer than one batch is split: every user is there, and no call carries more ids than
// a service takes (the fakes refuse more, as the services do).
func TestUsersBeyondOneBatch(t *testing.T) {
	a, b := newAssembler()
	want := ids(3001, 1200)
	list, err := a.UserList(context.Background(), 7, want, assemble.Known{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(want) || list[0].Id != want[0] || list[len(list)-1].Id != want[len(want)-1] {
		t.Fatalf("got %d users", len(list))
	}
	if got := b.Calls("user.MGetUsers"); got != 3 {
		t.Fatalf("MGetUsers called %d times for 1200 ids; want 3 batches", got)
	}
}

// The gateway's own cost of assembling a full feed page (30 videos, 5 authors) from batch answers.
func BenchmarkVideosPage(b *testing.B) {
	a, _ := newAssembler()
	vs := page(30)
	for _, v := range vs {
		v.CoverKey = "c.jpg"
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Videos(ctx, 7, assemble.Rows(vs, nil)); err != nil {
			b.Fatal(err)
		}
	}
}

// A list that brought its users' relation stats (Known) spares the page relation.UserStats; one
// that does not cover every user asks it as usual.
func TestKnownRelationsSpareTheirCall(t *testing.T) {
	a, b := newAssembler()
	known := assemble.Known{Relations: map[int64]*relation.UserRelationStat{
		2: {FollowCount: 1, FollowerCount: 2, IsFollow: true}, 3: {FollowCount: 5}}}
	list, err := a.UserList(context.Background(), 7, []int64{3, 2}, known)
	if err != nil || len(list) != 2 {
		t.Fatalf("UserList = %v, %v", list, err)
	}
	if b.Calls("relation.UserStats") != 0 || list[0].FollowCount != 5 || !list[1].IsFollow || list[1].FollowerCount != 2 {
		t.Fatalf("users %+v after %v; want the known stats and no relation.UserStats", list, b.CallCounts())
	}
	list, err = a.UserList(context.Background(), 7, []int64{2, 4}, known)
	if err != nil || b.Calls("relation.UserStats") != 1 || list[1].FollowerCount != 400 {
		t.Fatalf("users %+v, %v after %v; want relation.UserStats asked for a list the stats do not cover", list, err, b.CallCounts())
	}
}
