package assemble_test

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
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
		out, err := a.Videos(context.Background(), 7, page(size), map[int64]int64{1: 4})
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

// VideosByID keeps the order asked for (the service answers in another) and leaves out videos
// that no longer exist, in one read of the videos.
func TestVideosByIDKeepsTheOrder(t *testing.T) {
	a, b := newAssembler()
	out, err := a.VideosByID(context.Background(), 7, []int64{5, fakes.MissingFrom, 3, 5, 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || out[0].Id != 5 || out[1].Id != 3 || out[2].Id != 4 {
		t.Fatalf("videos = %+v", out)
	}
	if got := b.Total(); got != 5 {
		t.Fatalf("%d calls (%v); want 5", got, b.CallCounts())
	}
	if out[0].Author.WorkCount != 3 { // sent by MGetVideos with the videos
		t.Fatalf("author = %+v", out[0].Author)
	}
}

// A video's author never changes: with KeepVideoAuthors, a list by id whose authors were all
// shown before asks for its counts and flags while its rows are still being read, not after, and
// shows the same page.
func TestVideosByIDOfKeptAuthorsReadRowsAlongside(t *testing.T) {
	a, b := newAssembler(assemble.KeepVideoAuthors(100))
	ctx := context.Background()
	list := []int64{5, 3, 4}
	// The first time the authors are unknown: the rows come first, then the rest.
	entered, release := b.Hold("video.MGetVideos")
	first := make(chan []*douyin.Video, 1)
	go func() {
		out, err := a.VideosByID(ctx, 7, list)
		if err != nil {
			t.Error(err)
		}
		first <- out
	}()
	<-entered
	if n := b.Calls("favorite.Stats") + b.Calls("relation.UserStats") + b.Calls("comment.CountComments"); n != 0 {
		release()
		t.Fatalf("with unknown authors, %d decorating calls were made before the rows came (%v)", n, b.CallCounts())
	}
	release()
	want := <-first

	// The second time every author is kept: the decorating calls are made while the rows are held.
	got := whileRowsHeld(t, b, func() ([]*douyin.Video, error) { return a.VideosByID(ctx, 7, list) },
		map[string]int{"favorite.Stats": 2, "relation.UserStats": 2, "comment.CountComments": 2})
	if len(got) != 3 || !reflect.DeepEqual(got, want) {
		t.Fatalf("the page of kept authors = %+v; want the first page again, %+v", got, want)
	}
	if req := b.Last("favorite.Stats").(*favorite.StatsQuery); len(req.UserIds) != 3 || req.ViewerId != 7 {
		t.Fatalf("favorite.Stats was asked %+v; want the three authors, for viewer 7", req)
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

// A favorite list answered with its stats shows them without asking favorite.Stats, and reads
// the videos' rows alongside the rest of the page; a list answered without them (one whose
// authors the service does not all know) shows the same page, as VideosByID.
func TestLikedVideosWithTheListsStats(t *testing.T) {
	ctx := context.Background()
	b := fakes.New()
	b.Liked = []int64{5, fakes.MissingFrom, 3, 4} // one deleted since it was liked
	list, err := b.Clients().Reads.ListFavorites.Do(ctx, &favorite.ListFavoritesQuery{UserId: 1, WithStats: true, ViewerId: 7})
	if err != nil || len(list.AuthorIds) != 4 {
		t.Fatalf("the fake's list with stats = %+v, %v", list, err)
	}
	old := &favorite.ListFavoritesAnswer{VideoIds: list.VideoIds}

	a, b := newAssembler()
	want, err := a.LikedVideos(ctx, 7, old)
	if err != nil || len(want) != 3 || b.Calls("favorite.Stats") != 1 {
		t.Fatalf("a list without stats = %+v, %v, calls %v; want 3 videos and favorite.Stats asked", want, err, b.CallCounts())
	}
	if v := want[0]; v.Id != 5 || v.FavoriteCount != 10 || v.IsFavorite || v.Author.TotalFavorited != fakes.AuthorOf(5) {
		t.Fatalf("a list without stats shows %+v", v)
	}

	a, b = newAssembler()
	got := whileRowsHeld(t, b, func() ([]*douyin.Video, error) { return a.LikedVideos(ctx, 7, list) },
		map[string]int{"relation.UserStats": 1, "comment.CountComments": 1, "user.MGetUsers": 1})
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the list with stats shows %+v; want the page without them, %+v", got, want)
	}
	if b.Total() != 4 || b.Calls("favorite.Stats") != 0 {
		t.Fatalf("the list with stats made calls %v; want 4, no favorite.Stats", b.CallCounts())
	}
	// The authors are the list's: the deleted video's too, asked for and not shown.
	if req := b.Last("relation.UserStats").(*relation.UserStatsQuery); len(req.UserIds) != 4 || req.ViewerId != 7 {
		t.Fatalf("relation.UserStats was asked %+v; want the list's four authors, for viewer 7", req)
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
		if _, err := a.Videos(ctx, 7, vs, nil); err != nil {
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
