//go:build integration

package media

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The sample videos of the tests that run ffprobe and ffmpeg (integration tier: they start
// processes).

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
