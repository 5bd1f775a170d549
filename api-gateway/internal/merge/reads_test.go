package merge_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/cloudwego/kitex/pkg/kerrors"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/api-gateway/internal/merge"
	"simpletiktok/pkg/coalesce"
	"simpletiktok/pkg/coalesce/coalescetest"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/message"
	"simpletiktok/pkg/kitex_gen/relation"
	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/video"
)

// page is what the v-th page shows, as JSON: pages of videos and a user list, seen by user v,
// or anonymously for odd v (the fakes' flags differ only between the two).
func page(t *testing.T, a *assemble.Assembler, r *merge.Reads, v int64) string {
	t.Helper()
	ctx := context.Background()
	viewer := v
	if v%2 == 1 {
		viewer = 0
	}
	var vs []*video.Video
	for i := range int64(5) {
		id := v*3 + i // pages overlap: viewer v and v+1 share videos
		vs = append(vs, &video.Video{Id: id, AuthorId: id%7 + 1, PlayKey: "v.mp4"})
	}
	videos, err := a.Videos(ctx, viewer, assemble.Rows(vs, map[int64]int64{1: 3}))
	if err != nil {
		t.Errorf("page %d: Videos: %v", v, err)
	}
	liked, err := a.Videos(ctx, viewer, assemble.Liked(&favorite.ListFavoritesAnswer{
		VideoIds: []int64{v, v + 1, fakes.MissingFrom + v}, AuthorIds: []int64{fakes.AuthorOf(v), fakes.AuthorOf(v + 1), 1}}))
	if err != nil {
		t.Errorf("page %d: a favorite list: %v", v, err)
	}
	users, err := a.UserList(ctx, viewer, []int64{v, v + 2, fakes.MissingFrom}, assemble.Known{})
	if err != nil {
		t.Errorf("page %d: UserList: %v", v, err)
	}
	var lists []any
	for _, call := range []func() (any, error){
		func() (any, error) { return r.ListByAuthor.Do(ctx, &video.ListByAuthorQuery{AuthorId: v}) },
		func() (any, error) { return r.ListFavorites.Do(ctx, &favorite.ListFavoritesQuery{UserId: v}) },
		func() (any, error) { return r.ListComments.Do(ctx, &comment.ListCommentsQuery{VideoId: v}) },
		func() (any, error) {
			return r.ListFriends.Do(ctx, &relation.ListQuery{UserId: v, ViewerId: viewer})
		},
		func() (any, error) { return r.ListFollowing.Do(ctx, &relation.ListQuery{UserId: v}) },
		func() (any, error) { return r.ListFollowers.Do(ctx, &relation.ListQuery{UserId: v}) },
		func() (any, error) {
			return r.LatestMessages.Do(ctx, &message.LatestMessagesQuery{UserId: v, PeerIds: []int64{v + 1, v + 2}})
		},
	} {
		got, err := call()
		if err != nil {
			t.Errorf("page %d: a list: %v", v, err)
		}
		lists = append(lists, got)
	}
	out, err := json.Marshal([]any{videos, liked, users, lists})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// oneLane merges as the gateway does by default.
var oneLane = coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 64}}

func TestMergedPagesShowWhatPagesOfTheirOwnShow(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	alone := fakes.New().Clients()
	oneByOne := assemble.New(alone, assemble.NewMedia("http://h"), log)
	b := fakes.New()
	clients := b.MergedBy(oneLane)
	atOnce := assemble.New(clients, assemble.NewMedia("http://h"), log)

	// Hold the first comment count and the first stats, so that the other pages' queries queue
	// behind them and go merged in the next calls.
	enteredCounts, releaseCounts := b.Hold("comment.CountComments")
	enteredStats, releaseStats := b.Hold("favorite.Stats")
	const pages = 24
	got := make([]string, pages+1)
	var wg sync.WaitGroup
	for v := int64(1); v <= pages; v++ {
		wg.Go(func() { got[v] = page(t, atOnce, clients.Reads, v) })
	}
	<-enteredCounts
	<-enteredStats
	coalescetest.Queued(t, clients.Reads.CountComments.Batcher(), pages-1)
	coalescetest.Queued(t, clients.Reads.FavoriteStats.Batcher(), pages-1)
	releaseCounts()
	releaseStats()
	wg.Wait()

	for v := int64(1); v <= pages; v++ {
		if want := page(t, oneByOne, alone.Reads, v); got[v] != want {
			t.Fatalf("page %d, merged:\n%s\nalone:\n%s", v, got[v], want)
		}
	}
	// Each page counts comments twice (its videos, its liked videos): 2·pages calls alone. The
	// held call made the next one carry pages-1 counts at least.
	if n := b.Calls("comment.CountComments"); n > 2*pages-(pages-2) {
		t.Fatalf("comment.CountComments was called %d times for %d pages; want at most %d", n, pages, 2*pages-(pages-2))
	}
	// Each page asks favorite.Stats for its videos and its users (its liked videos came with their
	// likes): every query is answered, in fewer calls.
	if q, n := b.Calls("favorite.Stats"), b.Sent("favorite.Stats"); q != 2*pages || n > q-(pages-2) {
		t.Fatalf("favorite.Stats was asked %d queries in %d calls for %d pages; want %d in at most %d", q, n, pages, 2*pages, q-(pages-2))
	}
}

// A query the service refuses (an id that is not positive) goes in a call of its own, at once,
// so that its refusal fails no other page, even while the method's lane is busy.
func TestARefusedQueryGoesAlone(t *testing.T) {
	b := fakes.New()
	reads := b.MergedBy(oneLane).Reads
	entered, release := b.Hold("favorite.ListFavorites")
	held := make(chan error, 1)
	go func() {
		_, err := reads.ListFavorites.Do(context.Background(), &favorite.ListFavoritesQuery{UserId: 3})
		held <- err
	}()
	<-entered
	done := make(chan error, 1)
	go func() {
		_, err := reads.ListFavorites.Do(context.Background(), &favorite.ListFavoritesQuery{UserId: 0})
		done <- err
	}()
	<-entered // the refused query's own call, while the lane is still held
	release()
	if err := cmp.Or(<-held, <-done); err != nil {
		t.Fatal(err)
	}
	if n := b.Sent("favorite.ListFavorites"); n != 2 {
		t.Fatalf("favorite.ListFavorites was called %d times; want 2, each query alone", n)
	}
}

func TestQueriesAskedTogetherGoInOneCallAndOneTheServiceRefusesAlone(t *testing.T) {
	b := fakes.New()
	b.Liked = []int64{5}
	reads := b.MergedBy(oneLane).Reads
	answers, errs := reads.ListFavorites.DoAll(context.Background(), []*favorite.ListFavoritesQuery{{UserId: 3}, {UserId: 0}, {UserId: 4}})
	for i, a := range answers {
		if errs[i] != nil || len(a.GetVideoIds()) != 1 {
			t.Fatalf("answer %d = %v, %v; want the list", i, a, errs[i])
		}
	}
	if n := b.Sent("favorite.ListFavorites"); n != 2 {
		t.Fatalf("favorite.ListFavorites was called %d times; want 2: user 0's query alone, the others together", n)
	}
}

// Every read says its failure in the project's vocabulary, whichever way it went (merged, alone,
// never merged): the service's business code as it sent it, a call that ran out of time as
// errno.Timeout and one that reached no service as errno.ServiceUnavailable.
func TestReadsSayTheirErrors(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		method string
		err    error
		want   *errno.Error
		do     func(*merge.Reads) error
	}{
		{"merged, business", "favorite.Stats", fakes.BizErr(errno.VideoNotFound), errno.VideoNotFound, func(r *merge.Reads) error {
			_, err := r.FavoriteStats.Do(ctx, &favorite.StatsQuery{VideoIds: []int64{1}})
			return err
		}},
		{"merged, timeout", "comment.CountComments", kerrors.ErrRPCTimeout.WithCause(errors.New("timeout=1s")), errno.Timeout, func(r *merge.Reads) error {
			_, err := r.CountComments.Do(ctx, &comment.CountCommentsRequest{VideoIds: []int64{1}})
			return err
		}},
		{"merged, asked together", "relation.UserStats", fakes.Unreachable(), errno.ServiceUnavailable, func(r *merge.Reads) error {
			_, errs := r.UserStats.DoAll(ctx, []*relation.UserStatsQuery{{UserIds: []int64{1}}, {UserIds: []int64{2}}})
			return cmp.Or(errs[1], errors.New("no error for the second query"))
		}},
		{"alone, business", "favorite.ListFavorites", fakes.BizErr(errno.BadRequest), errno.BadRequest, func(r *merge.Reads) error {
			_, err := r.ListFavorites.Do(ctx, &favorite.ListFavoritesQuery{UserId: 0})
			return err
		}},
		{"single, unreachable", "message.Chat", fakes.Unreachable(), errno.ServiceUnavailable, func(r *merge.Reads) error {
			_, err := r.Chat.Do(ctx, &message.ChatRequest{UserId: 1, PeerId: 2})
			return err
		}},
		{"single, business", "user.Login", fakes.BizErr(errno.UserLoginFailed), errno.UserLoginFailed, func(r *merge.Reads) error {
			_, err := r.Login.Do(ctx, &user.LoginRequest{Username: "a", Password: "b"})
			return err
		}},
	}
	for _, c := range cases {
		b := fakes.New()
		b.Fail(c.method, c.err)
		err := c.do(b.MergedBy(oneLane).Reads)
		if e, ok := errno.From(err); !ok || e.Code != c.want.Code {
			t.Errorf("%s: Do = %v; want %v", c.name, err, c.want)
		}
	}
}
