//go:build integration

package cover

import (
	"context"
	"errors"
	"image/jpeg"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/ffmpeg"
	"simpletiktok/pkg/ffmpeg/ffmpegtest"
	"simpletiktok/pkg/mediajob"
	"simpletiktok/pkg/mediastore"
)

// fakeVideos is the video service: covers by video id, and failures to inject.
type fakeVideos struct {
	mu       sync.Mutex
	covers   map[int64]string // absent: no such video
	coverErr error
	setErr   error
	sets     int
}

func (f *fakeVideos) CoverOf(_ context.Context, id int64) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.coverErr != nil {
		return "", f.coverErr
	}
	c, ok := f.covers[id]
	if !ok {
		return "", errno.VideoNotFound
	}
	return c, nil
}

func (f *fakeVideos) SetCover(_ context.Context, id int64, key string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.setErr != nil {
		return "", f.setErr
	}
	c, ok := f.covers[id]
	if !ok {
		return "", errno.VideoNotFound
	}
	f.sets++
	if c == "" {
		f.covers[id] = key
		c = key
	}
	return c, nil
}

// countingFFmpeg counts the runs of the real ffmpeg.
type countingFFmpeg struct {
	tools ffmpeg.Tools
	runs  int
}

func (c *countingFFmpeg) Cover(ctx context.Context, in, out string) error {
	c.runs++
	return c.tools.Cover(ctx, in, out)
}

// hiddenPaths is a store whose files cannot be read in place, as with S3.
type hiddenPaths struct{ mediastore.Storage }

const playKey = "0123456789abcdef0123456789abcdef.mp4"
const coverKey = "0123456789abcdef0123456789abcdef.jpg"

type fixture struct {
	maker  *Maker
	videos *fakeVideos
	ff     *countingFFmpeg
	store  *mediastore.Local
	work   string
}

// newFixture stores video (a file path) as playKey of video 1, which has no cover yet.
func newFixture(t *testing.T, video string, hide bool) *fixture {
	t.Helper()
	store, err := mediastore.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(video)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Put(context.Background(), playKey, ffmpegtest.WriteFile(t, t.TempDir(), "v", string(raw))); err != nil {
		t.Fatal(err)
	}
	f := &fixture{
		videos: &fakeVideos{covers: map[int64]string{1: ""}},
		ff:     &countingFFmpeg{tools: ffmpeg.Tools{FFmpeg: "ffmpeg", Timeout: 30 * time.Second}},
		store:  store,
		work:   filepath.Join(store.Dir(), ".work"),
	}
	var s mediastore.Storage = store
	if hide {
		s = hiddenPaths{store}
	}
	f.maker, err = NewMaker(f.videos, s, f.ff, f.work, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var job = mediajob.Job{VideoID: 1, PlayKey: playKey}

// files lists the media folder, scratch folder included.
func (f *fixture) files(t *testing.T) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(f.store.Dir(), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(f.store.Dir(), p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func (f *fixture) checkCover(t *testing.T) {
	t.Helper()
	if got := f.files(t); len(got) != 2 || got[0] != coverKey || got[1] != playKey {
		t.Fatalf("media folder holds %v; want the video and one cover, no scratch file", got)
	}
	if f.videos.covers[1] != coverKey {
		t.Fatalf("recorded cover %q; want %q", f.videos.covers[1], coverKey)
	}
	obj, err := f.store.Open(context.Background(), coverKey)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	img, err := jpeg.Decode(obj.Body)
	if err != nil || img.Bounds().Dx() != 160 {
		t.Fatalf("the cover is not a 160-wide JPEG: %v", err)
	}
}

func TestMakeStoresAndRecordsTheCover(t *testing.T) {
	for _, hide := range []bool{false, true} {
		name := map[bool]string{false: "read in place", true: "read through a copy"}[hide]
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, ffmpegtest.MP4(t, t.TempDir()), hide)
			out, err := f.maker.Make(context.Background(), job)
			if err != nil || out != Made {
				t.Fatalf("Make = %q, %v", out, err)
			}
			f.checkCover(t)
		})
	}
}

// A job run again after it succeeded (its ack was lost) changes nothing and runs no ffmpeg.
func TestMakeTwiceRecordsOneCover(t *testing.T) {
	f := newFixture(t, ffmpegtest.MP4(t, t.TempDir()), false)
	for i, want := range []Outcome{Made, AlreadyMade} {
		if out, err := f.maker.Make(context.Background(), job); err != nil || out != want {
			t.Fatalf("run %d: Make = %q, %v; want %q", i+1, out, err, want)
		}
	}
	if f.ff.runs != 1 || f.videos.sets != 1 {
		t.Fatalf("ffmpeg ran %d times, SetCover called %d times; want once each", f.ff.runs, f.videos.sets)
	}
	f.checkCover(t)
}

// A run that died after storing the cover and before recording it left the cover file; the next
// run replaces it under the same key and records it: still one cover.
func TestMakeAfterARunThatDiedBeforeRecording(t *testing.T) {
	f := newFixture(t, ffmpegtest.MP4(t, t.TempDir()), false)
	f.videos.setErr = errno.ServiceUnavailable
	out, err := f.maker.Make(context.Background(), job)
	if err == nil || IsPermanent(err) {
		t.Fatalf("Make with the video service away = %q, %v; want an error to retry", out, err)
	}
	f.videos.setErr = nil
	if out, err := f.maker.Make(context.Background(), job); err != nil || out != Made {
		t.Fatalf("retry: Make = %q, %v", out, err)
	}
	f.checkCover(t)
}

// What no retry can fix is marked permanent, and leaves no cover behind.
func TestMakePermanentFailures(t *testing.T) {
	t.Run("undecodable video", func(t *testing.T) {
		f := newFixture(t, ffmpegtest.TruncatedMP4(t, t.TempDir()), false)
		if _, err := f.maker.Make(context.Background(), job); !IsPermanent(err) {
			t.Fatalf("Make = %v; want a permanent failure", err)
		}
		if got := f.files(t); len(got) != 1 || f.videos.covers[1] != "" {
			t.Fatalf("left %v, cover %q; want the video alone and no cover", got, f.videos.covers[1])
		}
	})
	t.Run("video deleted", func(t *testing.T) {
		f := newFixture(t, ffmpegtest.MP4(t, t.TempDir()), false)
		delete(f.videos.covers, 1)
		if _, err := f.maker.Make(context.Background(), job); !IsPermanent(err) || f.ff.runs != 0 {
			t.Fatalf("Make = %v after %d ffmpeg runs; want a permanent failure before ffmpeg", err, f.ff.runs)
		}
	})
	for _, hide := range []bool{false, true} {
		t.Run("file gone", func(t *testing.T) {
			f := newFixture(t, ffmpegtest.MP4(t, t.TempDir()), hide)
			if err := f.store.Delete(context.Background(), playKey); err != nil {
				t.Fatal(err)
			}
			if _, err := f.maker.Make(context.Background(), job); !IsPermanent(err) {
				t.Fatalf("Make = %v; want a permanent failure", err)
			}
		})
	}
	t.Run("not a video key", func(t *testing.T) {
		f := newFixture(t, ffmpegtest.MP4(t, t.TempDir()), false)
		if _, err := f.maker.Make(context.Background(), mediajob.Job{VideoID: 1, PlayKey: "../etc/passwd"}); !IsPermanent(err) {
			t.Fatalf("Make = %v; want a permanent failure", err)
		}
	})
}

// A failure of the video service is worth retrying.
func TestMakeTransientFailure(t *testing.T) {
	f := newFixture(t, ffmpegtest.MP4(t, t.TempDir()), false)
	f.videos.coverErr = errno.ServiceUnavailable
	if _, err := f.maker.Make(context.Background(), job); err == nil || IsPermanent(err) || !errors.Is(err, errno.ServiceUnavailable) {
		t.Fatalf("Make = %v; want a failure to retry", err)
	}
}

func TestRemoveStaleScratchFiles(t *testing.T) {
	f := newFixture(t, ffmpegtest.MP4(t, t.TempDir()), false)
	stale := ffmpegtest.WriteFile(t, f.work, "cover-1.jpg", "x")
	fresh := ffmpegtest.WriteFile(t, f.work, "cover-2.jpg", "y")
	old := time.Now().Add(-2 * staleScratch)
	os.Chtimes(stale, old, old)
	f.maker.RemoveStale(time.Now())
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a stale scratch file survived")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatal("the scratch file of a running job was removed")
	}
}
