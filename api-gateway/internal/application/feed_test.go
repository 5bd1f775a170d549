package application

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/pkg/coalesce"
	"simpletiktok/pkg/kitex_gen/video"
)

func TestAnonymousRequestsForTheNewestPageShareTheNextAssembly(t *testing.T) {
	b := fakes.New()
	b.FeedVideos = []*video.Video{{Id: 3, AuthorId: 1, PublishTimeMs: 300}, {Id: 2, AuthorId: 2, PublishTimeMs: 200}}
	log := slog.New(slog.DiscardHandler)
	pages := assemble.New(b.Clients(), assemble.NewMedia("http://gw.test"), log)
	app := New(b.Clients(), pages, fakes.Tokens{}, nil, &fakes.Events{}, log,
		ShareNewestFeed(coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 64}}))
	ctx := context.Background()

	// The first request's page is held in video.Feed; the ten that arrive meanwhile share the
	// next page, assembled once, after the first.
	entered, release := b.Hold("video.Feed")
	var wg sync.WaitGroup
	results := make(chan int64, 11)
	ask := func() {
		videos, next, err := app.Feed(ctx, 0, 0)
		if err != nil || len(videos) != 2 || videos[0].Id != 3 || next != 200 {
			t.Errorf("shared Feed = %v, %d, %v; want videos 3 and 2, next 200", videos, next, err)
		}
		results <- next
	}
	wg.Go(ask)
	<-entered
	for range 10 {
		wg.Go(ask)
	}
	for i := 0; app.newest.Waiting() < 10; i++ {
		if i == 5000 {
			t.Fatalf("%d of the 10 requests wait for the next page", app.newest.Waiting())
		}
		time.Sleep(time.Millisecond)
	}
	// Requests of their own: a viewer's page, and an older page.
	for _, q := range []struct{ viewer, latest int64 }{{5, 0}, {0, 250}} {
		wg.Go(func() {
			if _, _, err := app.Feed(ctx, q.viewer, q.latest); err != nil {
				t.Errorf("Feed(%d, %d) = %v", q.viewer, q.latest, err)
			}
		})
	}
	for b.Calls("video.Feed") < 3 { // the held page and the two of their own have started
		<-entered
	}
	release()
	wg.Wait()
	if n := b.Calls("video.Feed"); n != 4 {
		t.Fatalf("video.Feed was called %d times; want 4: the held page, one for the ten anonymous requests, one each for the viewer's and the older page", n)
	}
	if last := b.Last("video.Feed").(*video.FeedRequest); last.LatestTimeMs == 0 {
		t.Fatal("the shared page was asked without a time")
	}
}
