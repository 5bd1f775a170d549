//go:build integration

package media

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/ffmpeg"
	"simpletiktok/pkg/ffmpeg/ffmpegtest"
	"simpletiktok/pkg/mediastore"
)

// spoolCopy puts a copy of the file at path in the library's spool, as ReadForm would.
func spoolCopy(t *testing.T, lib *Library, path string) *Spooled {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(lib.spoolDir, "upload-test")
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return &Spooled{path: p, size: int64(len(raw))}
}

// Import stores the video alone: its cover is the media worker's job.
func TestImportStoresTheVideo(t *testing.T) {
	lib, store, rec := newLibrary(t, 1<<20)
	ctx := context.Background()
	clip := mp4Video(t, t.TempDir())
	stored, err := lib.Import(ctx, spoolCopy(t, lib, clip))
	if err != nil {
		t.Fatal(err)
	}
	if !mediastore.ValidKey(stored.PlayKey) || filepath.Ext(stored.PlayKey) != ".mp4" {
		t.Fatalf("stored = %+v", stored)
	}
	if got := files(t, store.Dir()); len(got) != 1 || got[0] != stored.PlayKey {
		t.Fatalf("media folder holds %v; want the video alone, an empty spool", got)
	}
	if n := len(rec.msgs); n != 0 {
		t.Fatalf("a clean import logged %v", rec.msgs)
	}
	lib.Remove(ctx, stored)
	if got := files(t, store.Dir()); len(got) != 0 {
		t.Fatalf("Remove left %v", got)
	}
}

func TestImportRefusesWhatIsNotAVideo(t *testing.T) {
	lib, store, _ := newLibrary(t, 1<<20)
	for _, fake := range []string{
		writeFile(t, t.TempDir(), "fake.mp4", "definitely not a video"),
		generate(t, t.TempDir(), "still.png", "-f", "lavfi", "-i", "testsrc=size=64x64", "-frames:v", "1"),
	} {
		_, err := lib.Import(context.Background(), spoolCopy(t, lib, fake))
		if !errors.Is(err, errno.VideoNotAVideo) {
			t.Fatalf("Import(%s) = %v; want VideoNotAVideo", fake, err)
		}
		if got := files(t, store.Dir()); len(got) != 0 {
			t.Fatalf("a refused import left %v", got)
		}
	}
}

// A video over the resolution or duration limit is refused with 12009 and a message that says
// the limit, before anything is stored.
func TestImportRefusesVideosOverTheLimits(t *testing.T) {
	store, err := mediastore.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	lim := Limits{MaxBytes: 1 << 20, MaxWidth: 160, MaxHeight: 160, MaxDuration: 2 * time.Second}
	lib, err := NewLibrary(store, tools, nil, filepath.Join(store.Dir(), ".incoming"), lim, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cases := map[string]struct {
		file, msg string
	}{
		"wider":  {ffmpegtest.Clip(t, dir, "wide.mp4", "320x120", "1"), "320x120 pixels; at most 160x160"},
		"taller": {ffmpegtest.Clip(t, dir, "tall.mp4", "120x320", "1"), "120x320 pixels; at most 160x160"},
		"longer": {ffmpegtest.Clip(t, dir, "long.mp4", "160x120", "3"), "lasts 3s; at most 2s"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := lib.Import(context.Background(), spoolCopy(t, lib, c.file))
			var e *errno.Error
			if !errors.As(err, &e) || e.Code != errno.VideoOverLimits.Code || !strings.Contains(e.Msg, c.msg) {
				t.Fatalf("Import = %v; want 12009 saying %q", err, c.msg)
			}
			if got := files(t, store.Dir()); len(got) != 0 {
				t.Fatalf("a refused import left %v", got)
			}
		})
	}
	// At the limits exactly is accepted.
	if _, err := lib.Import(context.Background(), spoolCopy(t, lib, ffmpegtest.Clip(t, dir, "edge.mp4", "160x160", "2"))); err != nil {
		t.Fatalf("a video at the limits: %v", err)
	}
}

func TestLimitsMustBePositive(t *testing.T) {
	store, err := mediastore.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, lim := range []Limits{{}, {MaxBytes: 1, MaxWidth: 1, MaxHeight: 1}, {MaxBytes: 1, MaxWidth: 0, MaxHeight: 1, MaxDuration: 1}} {
		if _, err := NewLibrary(store, ffmpeg.Tools{}, nil, t.TempDir(), lim, slog.New(slog.DiscardHandler)); err == nil {
			t.Errorf("NewLibrary accepted %+v", lim)
		}
	}
}

func TestNewLibraryRemovesStaleSpoolFiles(t *testing.T) {
	store, err := mediastore.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	spool := filepath.Join(store.Dir(), ".incoming")
	os.MkdirAll(spool, 0o755)
	stale := writeFile(t, spool, "upload-old", "x")
	fresh := writeFile(t, spool, "upload-new", "y")
	old := time.Now().Add(-2 * staleSpool)
	os.Chtimes(stale, old, old)
	if _, err := NewLibrary(store, tools, nil, spool, limitsOf(1), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a stale spool file survived")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatal("an upload in progress was removed")
	}
}

// With every slot taken, an upload is refused at once as busy, nothing runs and nothing is kept;
// once a slot is free, the same upload goes through.
func TestImportIsBusyWhenEverySlotIsTaken(t *testing.T) {
	store, err := mediastore.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	slots := NewSlots(1)
	lib, err := NewLibrary(store, tools, slots, filepath.Join(store.Dir(), ".incoming"), limitsOf(1<<20), slog.New(&recordingHandler{}))
	if err != nil {
		t.Fatal(err)
	}
	release, err := slots.Take()
	if err != nil {
		t.Fatal(err)
	}
	video := mp4Video(t, t.TempDir())
	if _, err := lib.Import(context.Background(), spoolCopy(t, lib, video)); !errors.Is(err, errno.Busy) {
		t.Fatalf("Import with no free slot = %v; want errno.Busy", err)
	}
	if got := files(t, store.Dir()); len(got) != 0 {
		t.Fatalf("a refused upload left %v", got)
	}
	release()
	if _, err := lib.Import(context.Background(), spoolCopy(t, lib, video)); err != nil {
		t.Fatalf("Import with a free slot = %v", err)
	}
	if _, err := slots.Take(); err != nil {
		t.Fatalf("the import did not give its slot back: %v", err)
	}
}
