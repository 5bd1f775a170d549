package media

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"simpletiktok/pkg/ffmpeg"
	"simpletiktok/pkg/ffmpeg/ffmpegtest"
	"simpletiktok/pkg/mediastore"
)

const goodKey = "0123456789abcdef0123456789abcdef.mp4"

var (
	mp4Video  = ffmpegtest.MP4
	generate  = ffmpegtest.Generate
	writeFile = ffmpegtest.WriteFile
)

var tools = ffmpeg.Tools{FFprobe: "ffprobe", Timeout: 30 * time.Second}

// limitsOf are generous limits but for the size.
func limitsOf(maxBytes int64) Limits {
	return Limits{MaxBytes: maxBytes, MaxWidth: 1920, MaxHeight: 1920, MaxDuration: 10 * time.Minute}
}

// recordingHandler keeps the messages logged, for tests that count them.
type recordingHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

// newLibrary returns a library over a fresh media folder, with its spool inside it as in main.
func newLibrary(t testing.TB, maxBytes int64) (*Library, *mediastore.Local, *recordingHandler) {
	t.Helper()
	store, err := mediastore.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingHandler{}
	lib, err := NewLibrary(store, tools, nil, filepath.Join(store.Dir(), ".incoming"), limitsOf(maxBytes), slog.New(rec))
	if err != nil {
		t.Fatal(err)
	}
	return lib, store, rec
}

// files lists every file under dir (relative paths), spool included.
func files(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}
