//go:build integration

package ffmpeg

import (
	"context"
	"errors"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
	"time"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/ffmpeg/ffmpegtest"
)

func TestProbeAcceptsVideos(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, file, ext string
	}{
		{"mp4 h264", ffmpegtest.MP4(t, dir), "mp4"},
		{"quicktime", ffmpegtest.Generate(t, dir, "clip.mov", append(ffmpegtest.TestSrc(), "-c:v", "libx264", "-preset", "ultrafast", "-f", "mov")...), "mov"},
		{"webm vp8", ffmpegtest.Generate(t, dir, "clip.webm", append(ffmpegtest.TestSrc(), "-c:v", "libvpx", "-b:v", "200k")...), "webm"},
		{"matroska h264", ffmpegtest.Generate(t, dir, "clip.mkv", append(ffmpegtest.TestSrc(), "-c:v", "libx264", "-preset", "ultrafast")...), "mkv"},
		// The extension a client gives means nothing: the content decides.
		{"mp4 named .txt", ffmpegtest.Generate(t, dir, "clip.txt", append(ffmpegtest.TestSrc(), "-c:v", "libx264", "-preset", "ultrafast", "-f", "mp4")...), "mp4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := tools.Probe(context.Background(), c.file)
			if err != nil {
				t.Fatal(err)
			}
			if f.Ext != c.ext || f.Width != 160 || f.Height != 120 || f.Duration < 900*time.Millisecond {
				t.Fatalf("Probe = %+v; want %s 160x120 of about 1s", f, c.ext)
			}
		})
	}
}

var tools = Tools{FFprobe: "ffprobe", FFmpeg: "ffmpeg", Timeout: 30 * time.Second}

func TestProbeRefusesWhatIsNotAVideo(t *testing.T) {
	dir := t.TempDir()
	clip := ffmpegtest.MP4(t, dir)
	cases := map[string]string{
		"text named .mp4": ffmpegtest.WriteFile(t, dir, "fake.mp4", "this is not a video\n"),
		"empty file":      ffmpegtest.WriteFile(t, dir, "empty.mp4", ""),
		"png image":       ffmpegtest.Generate(t, dir, "image.png", "-f", "lavfi", "-i", "testsrc=size=64x64", "-frames:v", "1"),
		"jpeg image":      ffmpegtest.Generate(t, dir, "image.jpg", "-f", "lavfi", "-i", "testsrc=size=64x64", "-frames:v", "1"),
		"gif animation":   ffmpegtest.Generate(t, dir, "anim.gif", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=1"),
		"audio only m4a":  ffmpegtest.Generate(t, dir, "sound.m4a", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac"),
		"avi container":   ffmpegtest.Generate(t, dir, "clip.avi", append(ffmpegtest.TestSrc(), "-c:v", "mpeg4")...),
		// A playlist would make ffprobe open the files (or URLs) it names.
		"hls playlist": ffmpegtest.WriteFile(t, dir, "list.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n"+clip+"\n#EXT-X-ENDLIST\n"),
		"concat list":  ffmpegtest.WriteFile(t, dir, "list.txt", "ffconcat version 1.0\nfile '"+clip+"'\n"),
	}
	for name, file := range cases {
		t.Run(name, func(t *testing.T) {
			f, err := tools.Probe(context.Background(), file)
			if !errors.Is(err, errno.VideoNotAVideo) {
				t.Fatalf("Probe = %+v, %v; want VideoNotAVideo", f, err)
			}
		})
	}
}

func TestProbeWithoutFFprobeIsAnInternalError(t *testing.T) {
	broken := Tools{FFprobe: "/nonexistent/ffprobe", FFmpeg: "ffmpeg", Timeout: time.Second}
	_, err := broken.Probe(context.Background(), ffmpegtest.MP4(t, t.TempDir()))
	if err == nil || errors.Is(err, errno.VideoNotAVideo) {
		t.Fatalf("Probe without ffprobe = %v; want an internal error", err)
	}
	if broken.Check() == nil {
		t.Fatal("Check accepted a missing ffprobe")
	}
	if err := tools.Check(); err != nil {
		t.Fatalf("Check of this machine's ffmpeg: %v", err)
	}
}

func TestCoverIsAJPEGOfTheVideo(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		in   string
		w, h int // a cover is at most 720 wide, in the video's proportions (even sizes)
	}{
		{ffmpegtest.MP4(t, dir), 160, 120},
		{ffmpegtest.Generate(t, dir, "big.webm", "-f", "lavfi", "-i", "testsrc=size=1280x720:rate=25:duration=1", "-c:v", "libvpx", "-b:v", "500k"), 720, 406},
	}
	for _, c := range cases {
		out := filepath.Join(dir, filepath.Base(c.in)+".jpg")
		if err := tools.Cover(context.Background(), c.in, out); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("cover of %s is not a JPEG: %v", c.in, err)
		}
		if b := img.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
			t.Fatalf("cover of %s is %dx%d; want %dx%d", c.in, b.Dx(), b.Dy(), c.w, c.h)
		}
	}
}

func TestCoverOfUndecodableVideoFails(t *testing.T) {
	dir := t.TempDir()
	in := ffmpegtest.TruncatedMP4(t, dir)
	if _, err := tools.Probe(context.Background(), in); err != nil {
		t.Fatalf("the truncated MP4 should still probe as a video: %v", err)
	}
	err := tools.Cover(context.Background(), in, filepath.Join(dir, "c.jpg"))
	if err == nil {
		t.Fatal("Cover of a video without a decodable frame succeeded")
	}
	// ffmpeg refused the file: the media worker gives up on it at once rather than retrying.
	if !Rejected(err) {
		t.Fatalf("Rejected(%v) = false; want the failure to be the file's", err)
	}
}

// A run cut short by its time bound, or a program that cannot start, is not the file's fault.
func TestTimeoutAndMissingProgramAreNotRejections(t *testing.T) {
	in := ffmpegtest.MP4(t, t.TempDir())
	slow := Tools{FFmpeg: "ffmpeg", Timeout: time.Nanosecond}
	if err := slow.Cover(context.Background(), in, filepath.Join(t.TempDir(), "c.jpg")); err == nil || Rejected(err) {
		t.Fatalf("Cover past its time bound = %v; want an error that is not a rejection", err)
	}
	missing := Tools{FFmpeg: "/nonexistent/ffmpeg", Timeout: time.Second}
	if err := missing.Cover(context.Background(), in, filepath.Join(t.TempDir(), "c.jpg")); err == nil || Rejected(err) {
		t.Fatalf("Cover without ffmpeg = %v; want an error that is not a rejection", err)
	}
}
