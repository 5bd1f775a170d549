package application_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"simpletiktok/api-gateway/internal/application"
	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/api-gateway/internal/media"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/video"
)

// stored is the key the fake media library gives every import.
var stored = media.Stored{PlayKey: "0123456789abcdef0123456789abcdef.mp4"}

// fakeMedia imports every file as stored, or fails with importErr, and records removals.
type fakeMedia struct {
	mu        sync.Mutex
	importErr error
	imported  int
	removed   []media.Stored
}

func (m *fakeMedia) Import(context.Context, *media.Spooled) (media.Stored, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.importErr != nil {
		return media.Stored{}, m.importErr
	}
	m.imported++
	return stored, nil
}

func (m *fakeMedia) Remove(_ context.Context, s media.Stored) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.removed = append(m.removed, s)
}

func newApp(b *fakes.Backend, lib application.Media) *application.App {
	a, _ := newAppEvents(b, lib)
	return a
}

// newAppEvents is newApp with the recorder of the business events it reports.
func newAppEvents(b *fakes.Backend, lib application.Media) (*application.App, *fakes.Events) {
	log := slog.New(slog.DiscardHandler)
	pages := assemble.New(b.Clients(), assemble.NewMedia("http://gw.test"), log)
	events := &fakes.Events{}
	return application.New(b.Clients(), pages, fakes.Tokens{}, lib, events, log), events
}

func TestRegisterLogsIn(t *testing.T) {
	b := fakes.New()
	a := newApp(b, nil)
	id, token, err := a.Register(context.Background(), "alice", "secret")
	if err != nil || id != fakes.RegisteredID || token != "u7" {
		t.Fatalf("Register = %d, %q, %v", id, token, err)
	}
	b.Fail("user.Login", fakes.BizErr(errno.UserLoginFailed))
	if id, token, err := a.Login(context.Background(), "alice", "wrong"); !errors.Is(err, errno.UserLoginFailed) || id != 0 || token != "" {
		t.Fatalf("a failed login = %d, %q, %v", id, token, err)
	}
}

func TestFeedPagesOn(t *testing.T) {
	b := fakes.New()
	b.FeedVideos = []*video.Video{{Id: 3, AuthorId: 1, PublishTimeMs: 300}, {Id: 2, AuthorId: 1, PublishTimeMs: 200}}
	a := newApp(b, nil)
	videos, next, err := a.Feed(context.Background(), 7, 1000)
	if err != nil || len(videos) != 2 || videos[0].Id != 3 || next != 200 {
		t.Fatalf("Feed = %d videos, next %d, %v", len(videos), next, err)
	}
	if req := b.Last("video.Feed").(*video.FeedQuery); req.LatestTimeMs != 1000 || req.Limit != application.FeedPageSize {
		t.Fatalf("Feed request = %+v", req)
	}
	b.FeedVideos = nil
	if videos, next, err := a.Feed(context.Background(), 0, 1000); err != nil || videos == nil || len(videos) != 0 || next != 1000 {
		t.Fatalf("an empty feed = %v, next %d, %v; want [] and the request's time", videos, next, err)
	}
}

func TestPublishListTellsAnEmptyAuthorFromAMissingUser(t *testing.T) {
	b := fakes.New()
	b.Works = map[int64][]*video.Video{3: {{Id: 12, AuthorId: 3}}}
	a := newApp(b, nil)
	if list, err := a.PublishList(context.Background(), 7, 3); err != nil || len(list) != 1 || b.Calls("user.MGetUsers") != 1 {
		t.Fatalf("a list with a video = %v, %v after %v", list, err, b.CallCounts())
	}
	b.Reset()
	if list, err := a.PublishList(context.Background(), 7, 4); err != nil || list == nil || len(list) != 0 {
		t.Fatalf("an author without videos = %v, %v; want []", list, err)
	}
	if req := b.Last("user.MGetUsers").(*user.MGetUsersRequest); len(req.UserIds) != 1 || req.UserIds[0] != 4 || b.Total() != 2 {
		t.Fatalf("an empty list was told from a missing user with calls %v", b.CallCounts())
	}
	if _, err := a.PublishList(context.Background(), 7, fakes.MissingFrom); !errors.Is(err, errno.UserNotFound) {
		t.Fatalf("a missing user's list: %v; want UserNotFound", err)
	}
}
