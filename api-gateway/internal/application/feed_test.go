package application

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/pkg/coalesce"
	"simpletiktok/pkg/coalesce/coalescetest"
	"simpletiktok/pkg/kitex_gen/video"
)

func TestRequestsForTheNewestPageShareTheNextAssembly(t *testing.T) {
	b := fakes.New()
	b.FeedVideos = []*video.Video{{Id: 3, AuthorId: 1, PublishTimeMs: 300}, {Id: 2, AuthorId: 2, PublishTimeMs: 200}}
	log := slog.New(slog.DiscardHandler)
	pages := assemble.New(b.Clients(), assemble.NewMedia("http://gw.test"), log)
	app := New(b.Clients(), pages, fakes.Tokens{}, nil, &fakes.Events{}, log,
		ShareNewestFeed(coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 64}}))
	ctx := context.Background()

	// The first request's page is held in video.Feed; the ten anonymous requests and the ten of
	// viewers that arrive meanwhile share the next page, assembled once, after the first. Each
	// viewer's page is that page with the viewer's flags (the fakes' viewer likes and follows
	// every even id); the anonymous pages have none, so no viewer's flags leaked into the shared
	// page.
	entered, release := b.Hold("video.Feed")
	var wg sync.WaitGroup
	ask := func(viewer int64) {
		videos, next, err := app.Feed(ctx, viewer, 0)
		if err != nil || len(videos) != 2 || videos[0].Id != 3 || videos[1].Id != 2 || next != 200 {
			t.Errorf("shared Feed as %d = %v, %d, %v; want videos 3 and 2, next 200", viewer, videos, next, err)
			return
		}
		seen := viewer != 0
		if videos[0].IsFavorite || videos[1].IsFavorite != seen || videos[0].Author.IsFollow || videos[1].Author.IsFollow != seen {
			t.Errorf("Feed as %d: video 3 liked %t by a follow %t, video 2 liked %t by a follow %t; want only the even ids' flags, and those only for a viewer",
				viewer, videos[0].IsFavorite, videos[0].Author.IsFollow, videos[1].IsFavorite, videos[1].Author.IsFollow)
		}
		if videos[1].FavoriteCount != 4 || videos[1].CommentCount != 3 || videos[1].Author.FollowerCount != 200 || videos[1].Author.Name != "u2" {
			t.Errorf("Feed as %d: video 2 = %v; want its counts and its author's", viewer, videos[1])
		}
	}
	wg.Go(func() { ask(0) })
	<-entered
	for i := range 20 {
		wg.Go(func() { ask(int64(i % 2 * (i + 10))) }) // 0 or a viewer, ten of each
	}
	coalescetest.Queued(t, app.newest, 20)
	// A request of its own: an older page.
	wg.Go(func() {
		if _, _, err := app.Feed(ctx, 5, 250); err != nil {
			t.Errorf("Feed(5, 250) = %v", err)
		}
	})
	for b.Calls("video.Feed") < 2 { // the held page and the older page have started
		<-entered
	}
	release()
	wg.Wait()
	if n := b.Calls("video.Feed"); n != 3 {
		t.Fatalf("video.Feed was called %d times; want 3: the held page, one for the twenty requests, one for the older page", n)
	}
	if last := b.Last("video.Feed").(*video.FeedQuery); last.LatestTimeMs == 0 {
		t.Fatal("the shared page was asked without a time")
	}
	// The ten viewers' parts rode on the shared page's own calls.
	for _, call := range []string{"favorite.Stats", "relation.UserStats"} {
		if sent, asked := b.Sent(call), b.Calls(call); sent != 3 || asked != 13 {
			t.Fatalf("%s: %d calls of %d queries; want 3 of 13: the held page's, the shared page's with "+
				"its ten viewers', the older page's", call, sent, asked)
		}
	}
}

// A request of the newest page shows its viewer's part even when the shared page it gets was
// assembled for the requests of others too; a viewer asking twice at once is read once.
func TestEachViewerGetsItsOwnPartOfTheSharedPage(t *testing.T) {
	b := fakes.New()
	b.FeedVideos = []*video.Video{{Id: 4, AuthorId: 2, PublishTimeMs: 300}}
	log := slog.New(slog.DiscardHandler)
	pages := assemble.New(b.Clients(), assemble.NewMedia("http://gw.test"), log)
	app := New(b.Clients(), pages, fakes.Tokens{}, nil, &fakes.Events{}, log,
		ShareNewestFeed(coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 64}}))

	entered, release := b.Hold("video.Feed")
	var wg sync.WaitGroup
	wg.Go(func() { _, _, _ = app.Feed(context.Background(), 0, 0) })
	<-entered
	seen := make([]bool, 4)
	for i, viewer := range []int64{7, 7, 0, 9} {
		wg.Go(func() {
			videos, _, err := app.Feed(context.Background(), viewer, 0)
			if err != nil || len(videos) != 1 || videos[0].CommentCount != 5 {
				t.Errorf("Feed as %d = %v, %v", viewer, videos, err)
				return
			}
			seen[i] = videos[0].IsFavorite && videos[0].Author.IsFollow
		})
	}
	coalescetest.Queued(t, app.newest, 4)
	release()
	wg.Wait()
	if fmt.Sprint(seen) != "[true true false true]" {
		t.Fatalf("video 4 liked and its author followed, as 7, 7, anyone and 9 see it: %v", seen)
	}
	if asked := b.Calls("favorite.Stats"); asked != 4 {
		t.Fatalf("favorite.Stats asked %d queries; want 4: the held page's, the shared page's, 7's and 9's", asked)
	}
}

// An assembly of the newest page takes one request fewer than a merged call carries, so that its
// viewers' queries and its own go in one call of each method.
func TestTheNewestPageAndItsViewersFitInOneCall(t *testing.T) {
	b := fakes.New()
	b.FeedVideos = []*video.Video{{Id: 4, AuthorId: 2, PublishTimeMs: 300}}
	log := slog.New(slog.DiscardHandler)
	merged := coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 4}}
	pages := assemble.New(b.MergedBy(merged), assemble.NewMedia("http://gw.test"), log)
	app := New(b.MergedBy(merged), pages, fakes.Tokens{}, nil, &fakes.Events{}, log, ShareNewestFeed(merged))

	entered, release := b.Hold("video.Feed")
	var wg sync.WaitGroup
	wg.Go(func() { _, _, _ = app.Feed(context.Background(), 0, 0) })
	<-entered
	for viewer := int64(11); viewer <= 15; viewer++ {
		wg.Go(func() {
			if videos, _, err := app.Feed(context.Background(), viewer, 0); err != nil || len(videos) != 1 || !videos[0].IsFavorite {
				t.Errorf("Feed as %d = %v, %v; want video 4, liked", viewer, videos, err)
			}
		})
	}
	coalescetest.Queued(t, app.newest, 5)
	release()
	wg.Wait()
	// The held page's call, then two assemblies: three viewers and the page (4 queries), two
	// viewers and the page (3).
	for _, call := range []string{"favorite.Stats", "relation.UserStats"} {
		if sent, asked := b.Sent(call), b.Calls(call); sent != 3 || asked != 8 {
			t.Fatalf("%s: %d calls of %d queries; want 3 of 8", call, sent, asked)
		}
	}
}
