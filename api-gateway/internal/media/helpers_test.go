package media

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"
)

// generate makes a small real media file with ffmpeg (nothing binary is committed): args are the
// ffmpeg arguments between the inputs and the output.
func generate(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	full := append([]string{"-nostdin", "-v", "error", "-y"}, args...)
	full = append(full, out)
	if msg, err := exec.Command("ffmpeg", full...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, msg)
	}
	return out
}

// testsrc is one second of ffmpeg's test pattern at 160x120.
var testsrc = []string{"-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1"}

func mp4Video(t testing.TB, dir string) string {
	return generate(t, dir, "clip.mp4", append(testsrc, "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast")...)
}

// truncatedMP4 is an MP4 whose index is intact but whose frames are cut off: ffprobe reads it as
// a video, ffmpeg can decode no frame of it.
func truncatedMP4(t testing.TB, dir string) string {
	t.Helper()
	full := generate(t, dir, "whole.mp4", append(testsrc, "-pix_fmt", "yuv420p", "-c:v", "libx264",
		"-preset", "ultrafast", "-movflags", "+faststart")...)
	raw, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	mdat := bytes.Index(raw, []byte("mdat"))
	if mdat < 0 {
		t.Fatal("no mdat box in the generated MP4")
	}
	out := filepath.Join(dir, "truncated.mp4")
	if err := os.WriteFile(out, raw[:mdat+64], 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

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
