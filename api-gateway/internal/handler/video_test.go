package handler

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudwego/hertz/pkg/common/ut"
	"github.com/cloudwego/kitex/client/callopt"
	"github.com/cloudwego/kitex/pkg/kerrors"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/media"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/video"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
)

func TestLatestTimeParam(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_123)
	cases := []struct {
		query   string
		want    int64
		refused bool
	}{
		{"", 1_700_000_000_123, false},
		{"latest_time=", 1_700_000_000_123, false},
		{"latest_time=0", 1_700_000_000_123, false},
		{"latest_time=1700000000", 1_700_000_000_000, false},     // seconds
		{"latest_time=999999999999", 999_999_999_999_000, false}, // the largest value read as seconds
		{"latest_time=1000000000000", 1_000_000_000_000, false},  // the smallest read as milliseconds
		{"latest_time=1700000000999", 1_700_000_000_999, false},  // milliseconds
		{"latest_time=-1", 1_700_000_000_123, true},              // answered with now as next_time
		{"latest_time=12abc", 1_700_000_000_123, true},
		{"latest_time=99999999999999999999", 1_700_000_000_123, true},
	}
	for _, c := range cases {
		ctx := ut.CreateUtRequestContext("GET", "/douyin/feed/?"+c.query, nil)
		got, err := latestTimeParam(ctx, now)
		if got != c.want || (err != nil) != c.refused || c.refused && !errors.Is(err, errno.BadRequest) {
			t.Errorf("%q: %d, %v; want %d (refused %v)", c.query, got, err, c.want, c.refused)
		}
	}
}

// fakeVideos answers ListByAuthor with list, or listErr.
type fakeVideos struct {
	videoservice.Client
	list    []*video.Video
	listErr error
}

func (f fakeVideos) ListByAuthor(context.Context, *video.ListByAuthorRequest, ...callopt.Option) (*video.ListByAuthorResponse, error) {
	if f.listErr != nil {
		return nil, f.listErr
	}
	return &video.ListByAuthorResponse{Videos: f.list}, nil
}

// storedMedia puts a video and a cover in a fresh library and returns their keys.
func storedMedia(t *testing.T) (*media.Library, media.Stored) {
	t.Helper()
	store, err := media.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	lib, err := media.NewLibrary(store, media.Tools{}, filepath.Join(store.Dir(), ".incoming"), 1<<20, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s := media.Stored{PlayKey: "0123456789abcdef0123456789abcdef.mp4", CoverKey: "0123456789abcdef0123456789abcdef.jpg"}
	for _, key := range []string{s.PlayKey, s.CoverKey} {
		src := filepath.Join(t.TempDir(), "f")
		os.WriteFile(src, []byte("x"), 0o644)
		if err := store.Put(context.Background(), key, src); err != nil {
			t.Fatal(err)
		}
	}
	return lib, s
}

func kept(t *testing.T, lib *media.Library, s media.Stored) bool {
	t.Helper()
	obj, err := lib.Store().Open(context.Background(), s.PlayKey)
	if err != nil {
		return false
	}
	obj.Body.Close()
	return true
}

// A failed Publish call removes the media unless a row may point at them.
func TestSettleFailedPublish(t *testing.T) {
	timeout := kerrors.ErrRPCTimeout.WithCause(errors.New("deadline"))
	cases := []struct {
		name     string
		callErr  error
		videos   fakeVideos
		wantErr  error // nil: the publish happened after all
		wantKept bool
	}{
		{"business error", kerrors.NewBizStatusError(errno.VideoInvalidTitle.Code, errno.VideoInvalidTitle.Msg),
			fakeVideos{}, errno.VideoInvalidTitle, false},
		{"never sent", kerrors.ErrNoMoreInstance.WithCause(errors.New("no instance")),
			fakeVideos{}, errno.ServiceUnavailable, false},
		{"timeout, row written", timeout,
			fakeVideos{list: []*video.Video{{Id: 9, PlayKey: "0123456789abcdef0123456789abcdef.mp4"}}}, nil, true},
		{"timeout, no row", timeout,
			fakeVideos{list: []*video.Video{{Id: 8, PlayKey: "ffffffffffffffffffffffffffffffff.mp4"}}}, errno.ServiceUnavailable, false},
		{"timeout, outcome unknown", timeout,
			fakeVideos{listErr: kerrors.ErrRPCTimeout}, errno.ServiceUnavailable, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lib, stored := storedMedia(t)
			h := New(assemble.Clients{Video: c.videos}, nil, nil, lib, slog.New(slog.DiscardHandler))
			err := h.settleFailedPublish(context.Background(), 7, stored, c.callErr)
			if c.wantErr == nil && err != nil || c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Fatalf("settle = %v; want %v", err, c.wantErr)
			}
			if got := kept(t, lib, stored); got != c.wantKept {
				t.Fatalf("media kept = %v; want %v", got, c.wantKept)
			}
		})
	}
}
