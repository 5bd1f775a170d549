// Package ffmpeg runs ffprobe and ffmpeg on media files, each run bounded in time and allowed to
// open only the file it is given: the gateway probes uploads with it, the media worker extracts
// covers.
package ffmpeg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/tracing"
)

// demuxers are the only containers ffprobe and ffmpeg may open. Restricting them keeps playlist
// and concat formats (which make ffmpeg open other files or URLs named inside the upload) and
// images (which ffprobe reports as one-frame "videos") out, whatever the upload claims to be.
const demuxers = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm"

// webmCodecs are the codecs a WebM file may hold; a Matroska file with only these is served as WebM.
var webmCodecs = map[string]bool{"vp8": true, "vp9": true, "av1": true, "opus": true, "vorbis": true}

// Tools runs ffprobe and ffmpeg. A process sets the one it uses: the gateway FFprobe, the
// media worker FFmpeg.
type Tools struct {
	FFprobe string        // path or name of ffprobe
	FFmpeg  string        // path or name of ffmpeg
	Timeout time.Duration // bound of one run
}

// Check finds the programs that are set, so that a process without them refuses to start rather
// than failing every job.
func (t Tools) Check() error {
	for _, p := range []string{t.FFprobe, t.FFmpeg} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err != nil {
			return fmt.Errorf("media: %s is needed to check uploads and extract covers (Debian: apt-get install ffmpeg): %w", p, err)
		}
	}
	return nil
}

// Format is what probing learnt about an acceptable video.
type Format struct {
	Ext           string // extension of the stored file: mp4, mov, webm or mkv
	Width, Height int
	Duration      time.Duration
}

type probeOutput struct {
	Streams []struct {
		CodecType   string `json:"codec_type"`
		CodecName   string `json:"codec_name"`
		Width       int    `json:"width"`
		Height      int    `json:"height"`
		Disposition struct {
			AttachedPic int `json:"attached_pic"`
		} `json:"disposition"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
		Tags       struct {
			MajorBrand string `json:"major_brand"`
		} `json:"tags"`
	} `json:"format"`
}

// Probe checks that the file at path is a video: an MP4/MOV or WebM/Matroska container with a
// duration and a video track that is not just a cover picture. Anything else is
// errno.VideoNotAVideo; a failure to run ffprobe at all is an internal error.
func (t Tools) Probe(ctx context.Context, path string) (Format, error) {
	span, ctx := tracing.StartChild(ctx, "ffprobe:probe")
	defer span.Finish()
	out, err := t.run(ctx, t.FFprobe, "-v", "error", "-hide_banner",
		"-protocol_whitelist", "file", "-format_whitelist", demuxers,
		"-show_entries", "format=format_name,duration:format_tags=major_brand:"+
			"stream=codec_type,codec_name,width,height:stream_disposition=attached_pic",
		"-of", "json", "file:"+path)
	var exit *exec.ExitError
	if errors.As(err, &exit) || errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		// ffprobe ran and could not read the file as one of the containers (or gave up on it).
		return Format{}, errno.VideoNotAVideo
	}
	if err != nil {
		return Format{}, err
	}
	var p probeOutput
	if err := json.Unmarshal(out, &p); err != nil {
		return Format{}, errno.VideoNotAVideo
	}
	return p.format()
}

func (p probeOutput) format() (Format, error) {
	var f Format
	seconds, _ := strconv.ParseFloat(p.Format.Duration, 64)
	f.Duration = time.Duration(seconds * float64(time.Second))
	webm := true
	for _, s := range p.Streams {
		webm = webm && webmCodecs[s.CodecName]
		if s.CodecType == "video" && s.Disposition.AttachedPic == 0 && s.Width > 0 && s.Height > 0 && f.Width == 0 {
			f.Width, f.Height = s.Width, s.Height
		}
	}
	if f.Width == 0 || f.Duration <= 0 {
		return Format{}, errno.VideoNotAVideo
	}
	switch p.Format.FormatName {
	case "mov,mp4,m4a,3gp,3g2,mj2":
		f.Ext = "mp4"
		if p.Format.Tags.MajorBrand == "qt  " {
			f.Ext = "mov"
		}
	case "matroska,webm":
		f.Ext = "mkv"
		if webm {
			f.Ext = "webm"
		}
	default:
		return Format{}, errno.VideoNotAVideo
	}
	return f, nil
}

// Cover writes a JPEG of a representative frame among the first ones of the video at in to out,
// at most 720 pixels wide. An error for which Rejected holds means ffmpeg ran to its end and could not
// make a cover of this file: running it again would fail the same way.
func (t Tools) Cover(ctx context.Context, in, out string) error {
	span, ctx := tracing.StartChild(ctx, "ffmpeg:cover")
	defer span.Finish()
	_, err := t.run(ctx, t.FFmpeg, "-nostdin", "-v", "error", "-hide_banner",
		"-protocol_whitelist", "file", "-format_whitelist", demuxers, "-i", "file:"+in,
		"-map", "0:V:0", "-vf", "thumbnail=30,scale='min(720,iw)':-2", "-frames:v", "1",
		"-f", "image2", "-c:v", "mjpeg", "-q:v", "4", "-y", "file:"+out)
	if err != nil {
		span.SetTag("error", true)
	}
	return err
}

// run runs a tool within the timeout and returns its output; a failure carries the end of what
// the tool wrote to stderr, for the log.
func (t Tools) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...) // a bare name is resolved here, in Go
	// The tool decodes files strangers uploaded: a decoder bug exploited by one would run with
	// whatever the environment holds, and the gateway's and the worker's hold the JWT secret and
	// the S3 keys. Neither tool needs a variable, so it gets none (a nil Env would inherit ours).
	cmd.Env = []string{}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s: %w", name, ctx.Err())
	}
	if err != nil {
		return nil, &toolError{name: name, err: err, stderr: tail(stderr.String(), 300)}
	}
	return stdout.Bytes(), nil
}

type toolError struct {
	name, stderr string
	err          error
}

func (e *toolError) Error() string { return fmt.Sprintf("%s: %v: %s", e.name, e.err, e.stderr) }
func (e *toolError) Unwrap() error { return e.err }

// Rejected reports whether err means the tool ran to its end and refused the file (it exited
// with a status, rather than being killed, timing out or failing to start). Such a failure is
// the file's: the same run would fail again.
func Rejected(err error) bool {
	var te *toolError
	var exit *exec.ExitError
	return errors.As(err, &te) && errors.As(err, &exit) && exit.Exited() && exit.ExitCode() > 0
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}
