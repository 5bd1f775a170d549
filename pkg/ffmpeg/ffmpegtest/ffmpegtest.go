// Package ffmpegtest makes small real media files with ffmpeg for tests, so that no binary media
// is committed.
package ffmpegtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Generate makes dir/name with ffmpeg: args are the ffmpeg arguments between the global options
// and the output.
func Generate(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	full := append([]string{"-nostdin", "-v", "error", "-y"}, args...)
	full = append(full, out)
	if msg, err := exec.Command("ffmpeg", full...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, msg)
	}
	return out
}

// TestSrc is one second of ffmpeg's test pattern at 160x120, as input arguments.
func TestSrc() []string {
	return []string{"-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1"}
}

// MP4 is dir/clip.mp4: one second of H.264 at 160x120.
func MP4(t testing.TB, dir string) string {
	return Clip(t, dir, "clip.mp4", "160x120", "1")
}

// Clip is dir/name: an H.264 MP4 of the test pattern at size ("WxH") lasting seconds.
func Clip(t testing.TB, dir, name, size, seconds string) string {
	return Generate(t, dir, name, "-f", "lavfi", "-i", "testsrc=size="+size+":rate=25:duration="+seconds,
		"-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-f", "mp4")
}

// TruncatedMP4 is an MP4 whose index is intact but whose frames are cut off: ffprobe reads it
// as a video, ffmpeg can decode no frame of it.
func TruncatedMP4(t testing.TB, dir string) string {
	t.Helper()
	full := Generate(t, dir, "whole.mp4", append(TestSrc(), "-pix_fmt", "yuv420p", "-c:v", "libx264",
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

// WriteFile writes content to dir/name and returns the path.
func WriteFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
