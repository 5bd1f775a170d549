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
)

func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var tools = Tools{FFprobe: "ffprobe", FFmpeg: "ffmpeg", Timeout: 30 * time.Second}

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

func (h *recordingHandler) count(msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.msgs {
		if m == msg {
			n++
		}
	}
	return n
}

// newLibrary returns a library over a fresh media folder, with its spool inside it as in main.
func newLibrary(t testing.TB, maxBytes int64) (*Library, *Local, *recordingHandler) {
	t.Helper()
	store, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingHandler{}
	lib, err := NewLibrary(store, tools, filepath.Join(store.Dir(), ".incoming"), maxBytes, slog.New(rec))
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
