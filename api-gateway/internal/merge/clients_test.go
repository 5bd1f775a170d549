package merge

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/pkg/coalesce"
	"simpletiktok/pkg/coalesce/coalescetest"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/message"
	"simpletiktok/pkg/kitex_gen/relation"
	"simpletiktok/pkg/kitex_gen/video"
)

// merged wraps the clients as the gateway does.
func merged(c assemble.Clients, lanes int) assemble.Clients {
	cfg := coalesce.Config{Limits: coalesce.Limits{Lanes: lanes, MaxQueries: 64}}
	c.User, c.Video, c.Favorite = User(c.User, cfg), Video(c.Video, cfg), Favorite(c.Favorite, cfg)
	c.Comment, c.Relation, c.Message = Comment(c.Comment, cfg), Relation(c.Relation, cfg), Message(c.Message, cfg)
	return c
}

// page is what the v-th page shows, as JSON: pages of videos and a user list, seen by user v,
// or anonymously for odd v (the fakes' flags differ only between the two).
func page(t *testing.T, a *assemble.Assembler, c assemble.Clients, v int64) string {
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
	videos, err := a.Videos(ctx, viewer, vs, map[int64]int64{1: 3})
	if err != nil {
		t.Errorf("page %d: Videos: %v", v, err)
	}
	liked, err := a.VideosByID(ctx, viewer, []int64{v, v + 1, fakes.MissingFrom + v})
	if err != nil {
		t.Errorf("page %d: VideosByID: %v", v, err)
	}
	users, err := a.UserList(ctx, viewer, []int64{v, v + 2, fakes.MissingFrom}, assemble.Known{})
	if err != nil {
		t.Errorf("page %d: UserList: %v", v, err)
	}
	var lists []any
	for _, call := range []func() (any, error){
		func() (any, error) { return c.Video.ListByAuthor(ctx, &video.ListByAuthorRequest{AuthorId: v}) },
		func() (any, error) { return c.Favorite.ListFavorites(ctx, &favorite.ListFavoritesRequest{UserId: v}) },
		func() (any, error) { return c.Comment.ListComments(ctx, &comment.ListCommentsRequest{VideoId: v}) },
		func() (any, error) {
			return c.Relation.ListFriends(ctx, &relation.ListRequest{UserId: v, WithStats: true, ViewerId: viewer})
		},
		func() (any, error) { return c.Relation.ListFollowing(ctx, &relation.ListRequest{UserId: v}) },
		func() (any, error) { return c.Relation.ListFollowers(ctx, &relation.ListRequest{UserId: v}) },
		func() (any, error) {
			return c.Message.LatestMessages(ctx, &message.LatestMessagesRequest{UserId: v, PeerIds: []int64{v + 1, v + 2}})
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

func TestMergedPagesShowWhatPagesOfTheirOwnShow(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	plain := fakes.New().Clients()
	direct := assemble.New(plain, assemble.NewMedia("http://h"), log)
	b := fakes.New()
	clients := merged(b.Clients(), 1)
	viaMerged := assemble.New(clients, assemble.NewMedia("http://h"), log)

	// Hold the first comment count, so that the other pages' counts queue behind it and go
	// merged in the next call.
	entered, release := b.Hold("comment.CountComments")
	const pages = 24
	got := make([]string, pages+1)
	var wg sync.WaitGroup
	for v := int64(1); v <= pages; v++ {
		wg.Go(func() { got[v] = page(t, viaMerged, clients, v) })
	}
	<-entered
	coalescetest.Queued(t, clients.Comment.(*commentClient).counts, pages-1)
	release()
	wg.Wait()

	for v := int64(1); v <= pages; v++ {
		if want := page(t, direct, plain, v); got[v] != want {
			t.Fatalf("page %d, merged:\n%s\nalone:\n%s", v, got[v], want)
		}
	}
	// Each page counts comments twice (its videos, its liked videos): 2·pages calls alone. The
	// held call made the next one carry pages-1 counts at least.
	if n := b.Calls("comment.CountComments"); n > 2*pages-(pages-2) {
		t.Fatalf("comment.CountComments was called %d times for %d pages; want at most %d", n, pages, 2*pages-(pages-2))
	}
}
