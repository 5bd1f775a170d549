package application_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cloudwego/kitex/pkg/kerrors"

	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/api-gateway/internal/media"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/video"
)

// Publish records the stored video alone: the video service queues the job that makes its cover.
func TestPublishRecordsTheStoredMedia(t *testing.T) {
	b, lib := fakes.New(), &fakeMedia{}
	if err := newApp(b, lib).Publish(context.Background(), 7, "a title", &media.Spooled{}); err != nil {
		t.Fatal(err)
	}
	req := b.Last("video.Publish").(*video.PublishRequest)
	if req.AuthorId != 7 || req.Title != "a title" || req.PlayKey != stored.PlayKey {
		t.Fatalf("Publish request = %+v", req)
	}
	if lib.imported != 1 || len(lib.removed) != 0 {
		t.Fatalf("imported %d, removed %v", lib.imported, lib.removed)
	}
}

// A publish without a title or a file is refused before anything is stored; media that cannot be
// imported are not recorded.
func TestPublishRefusals(t *testing.T) {
	cases := []struct {
		name  string
		title string
		file  *media.Spooled
		lib   *fakeMedia
		want  error
	}{
		{"no title", "", &media.Spooled{}, &fakeMedia{}, errno.VideoTitleRequired},
		{"spaces for a title", " \t ", &media.Spooled{}, &fakeMedia{}, errno.VideoTitleRequired},
		{"no file", "t", nil, &fakeMedia{}, errno.VideoFileRequired},
		{"not a video", "t", &media.Spooled{}, &fakeMedia{importErr: errno.VideoNotAVideo}, errno.VideoNotAVideo},
	}
	for _, c := range cases {
		b := fakes.New()
		err := newApp(b, c.lib).Publish(context.Background(), 7, c.title, c.file)
		if !errors.Is(err, c.want) || b.Total() != 0 || c.lib.imported != 0 {
			t.Fatalf("%s: %v after calls %v, %d imports; want %v and nothing stored", c.name, err, b.CallCounts(), c.lib.imported, c.want)
		}
	}
}

// A failed Publish call removes the media unless a row may point at them.
func TestPublishSettlesAFailedCall(t *testing.T) {
	timeout := kerrors.ErrRPCTimeout.WithCause(errors.New("deadline"))
	cases := []struct {
		name     string
		callErr  error
		works    []*video.Video // the author's list afterwards
		listErr  error
		wantErr  error // nil: the publish happened after all
		wantKept bool
	}{
		{"business error", fakes.BizErr(errno.VideoInvalidTitle), nil, nil, errno.VideoInvalidTitle, false},
		{"never sent", fakes.Unreachable(), nil, nil, errno.ServiceUnavailable, false},
		{"timeout, row written", timeout, []*video.Video{{Id: 9, PlayKey: stored.PlayKey}}, nil, nil, true},
		{"timeout, no row", timeout, []*video.Video{{Id: 8, PlayKey: "ffffffffffffffffffffffffffffffff.mp4"}}, nil,
			errno.Timeout, false},
		{"timeout, outcome unknown", timeout, nil, kerrors.ErrRPCTimeout, errno.OutcomeUnknown, true},
		{"cut off, row written", fakes.Cut(), []*video.Video{{Id: 9, PlayKey: stored.PlayKey}}, nil, nil, true},
		// The service lost its commit's reply: the list tells.
		{"service lost the reply, row written", fakes.BizErr(errno.OutcomeUnknown), []*video.Video{{Id: 9, PlayKey: stored.PlayKey}},
			nil, nil, true},
		{"service lost the reply, outcome unknown", fakes.BizErr(errno.OutcomeUnknown), nil, kerrors.ErrRPCTimeout,
			errno.OutcomeUnknown, true},
		// The service gave up at its deadline and rolled back: nothing to look for.
		{"service timed out", fakes.BizErr(errno.Timeout), []*video.Video{{Id: 9, PlayKey: stored.PlayKey}}, nil,
			errno.Timeout, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, lib := fakes.New(), &fakeMedia{}
			b.Works = map[int64][]*video.Video{7: c.works}
			b.Fail("video.Publish", c.callErr)
			b.Fail("video.ListByAuthor", c.listErr)
			err := newApp(b, lib).Publish(context.Background(), 7, "t", &media.Spooled{})
			if c.wantErr == nil && err != nil || c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Fatalf("publish = %v; want %v", err, c.wantErr)
			}
			if kept := len(lib.removed) == 0; kept != c.wantKept {
				t.Fatalf("media kept = %v (removed %v); want %v", kept, lib.removed, c.wantKept)
			}
			if !c.wantKept && lib.removed[0] != stored {
				t.Fatalf("removed %v; want %v", lib.removed[0], stored)
			}
		})
	}
}
