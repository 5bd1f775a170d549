//go:build integration

package media

import (
	"context"
	"errors"
	"image/jpeg"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"simpletiktok/pkg/errno"
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

func TestImportStoresVideoAndCover(t *testing.T) {
	lib, store, rec := newLibrary(t, 1<<20)
	ctx := context.Background()
	stored, err := lib.Import(ctx, spoolCopy(t, lib, mp4Video(t, t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	if !ValidKey(stored.PlayKey) || !ValidKey(stored.CoverKey) || filepath.Ext(stored.PlayKey) != ".mp4" ||
		stored.PlayKey[:32] != stored.CoverKey[:32] {
		t.Fatalf("stored = %+v", stored)
	}
	cover, err := store.Open(ctx, stored.CoverKey)
	if err != nil {
		t.Fatal(err)
	}
	defer cover.Body.Close()
	if _, err := jpeg.Decode(cover.Body); err != nil {
		t.Fatalf("cover: %v", err)
	}
	if got := files(t, store.Dir()); len(got) != 2 {
		t.Fatalf("media folder holds %v; want the video and its cover, an empty spool", got)
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

// A video whose frames cannot be decoded is still published, with the fallback cover, and the
// failure is logged once.
func TestImportFallsBackWhenNoCoverCanBeExtracted(t *testing.T) {
	lib, store, rec := newLibrary(t, 1<<20)
	stored, err := lib.Import(context.Background(), spoolCopy(t, lib, truncatedMP4(t, t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	if stored.CoverKey != "" || !ValidKey(stored.PlayKey) {
		t.Fatalf("stored = %+v; want a play key and no cover key", stored)
	}
	if got := files(t, store.Dir()); len(got) != 1 || got[0] != stored.PlayKey {
		t.Fatalf("media folder holds %v; want only %s", got, stored.PlayKey)
	}
	if n := rec.count("media: no cover could be extracted; the fallback cover is shown"); n != 1 || len(rec.msgs) != 1 {
		t.Fatalf("logged %v; want the cover failure once", rec.msgs)
	}
}

func TestNewLibraryRemovesStaleSpoolFiles(t *testing.T) {
	store, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	spool := filepath.Join(store.Dir(), ".incoming")
	os.MkdirAll(spool, 0o755)
	stale := writeFile(t, spool, "upload-old", "x")
	fresh := writeFile(t, spool, "upload-new", "y")
	old := time.Now().Add(-2 * staleSpool)
	os.Chtimes(stale, old, old)
	if _, err := NewLibrary(store, tools, spool, 1, slog.New(slog.DiscardHandler)); err != nil {
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
	store, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bounded := tools
	bounded.Slots = NewSlots(1)
	lib, err := NewLibrary(store, bounded, filepath.Join(store.Dir(), ".incoming"), 1<<20, slog.New(&recordingHandler{}))
	if err != nil {
		t.Fatal(err)
	}
	release, err := bounded.Slots.Take()
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
	if _, err := bounded.Slots.Take(); err != nil {
		t.Fatalf("the import did not give its slot back: %v", err)
	}
}
