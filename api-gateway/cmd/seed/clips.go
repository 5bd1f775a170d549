package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// clipSeconds is each clip's length: long enough to look alive, short enough to stay small
// (about 25-150 kB) and quick to make.
const clipSeconds = 3

// makeClip draws c with ffmpeg into a small MP4 (H.264 and an AAC tone, the moov atom first so
// that the phone can start playing before the download ends) in dir, and returns its bytes.
func makeClip(ctx context.Context, ffmpeg, dir string, i int, c clip) ([]byte, error) {
	out := filepath.Join(dir, "clip"+strconv.Itoa(i)+".mp4")
	cmd := exec.CommandContext(ctx, ffmpeg, "-nostdin", "-v", "error", "-y",
		"-f", "lavfi", "-i", c.source,
		"-f", "lavfi", "-i", "sine=frequency="+strconv.Itoa(c.tone),
		"-t", strconv.Itoa(clipSeconds),
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "30", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "48k", "-movflags", "+faststart", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("making the clip %q with %s: %v: %s", c.title, ffmpeg, err, msg)
	}
	return os.ReadFile(out)
}
