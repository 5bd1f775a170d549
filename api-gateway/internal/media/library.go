package media

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/ffmpeg"
	"simpletiktok/pkg/mediastore"
)

// staleSpool is the age after which a spool file is a leftover of a stopped gateway, removed at
// start. An upload in progress in another gateway sharing the folder is younger.
const staleSpool = time.Hour

// Limits are what an upload may be. The size is checked while the upload streams in; the
// resolution and duration by ffprobe before anything is stored, since the media worker's ffmpeg
// time and memory grow with them. Width and height are checked against the frame as stored, so
// a square bound (1920x1920) treats portrait and landscape alike whatever the rotation flag.
type Limits struct {
	MaxBytes    int64
	MaxWidth    int
	MaxHeight   int
	MaxDuration time.Duration
	// SpoolBytes bounds the spool files of all uploads at once, and UnverifiedBytes the part of
	// them written before their upload's token was known (a stranger's, until the token comes
	// after the file); 0 leaves it unbounded. An upload that finds its budget used up waits a
	// little for it, without reading its body, then is refused (errno.Busy).
	SpoolBytes, UnverifiedBytes int64
}

// Prober reads what a file holds (ffmpeg.Tools).
type Prober interface {
	Probe(ctx context.Context, path string) (ffmpeg.Format, error)
}

// Library turns uploads into stored media.
type Library struct {
	store    mediastore.Storage
	probe    Prober
	slots    *Slots
	spoolDir string
	limits   Limits
	budget   spoolBudget
	log      *slog.Logger
}

// Stored is the key of a published video's file. Its cover is made later by the media worker
// (under mediastore.CoverKey of it); until then the fallback cover is shown.
type Stored struct {
	PlayKey string
}

// NewLibrary returns the library over store. Uploads are spooled in spoolDir (created if missing,
// its leftovers removed) while they are checked; with Local storage, keep it on the same file
// system as the media so that storing is a rename. slots bounds the probes at once (nil: no bound).
func NewLibrary(store mediastore.Storage, probe Prober, slots *Slots, spoolDir string, limits Limits, log *slog.Logger) (*Library, error) {
	if limits.MaxBytes <= 0 || limits.MaxWidth <= 0 || limits.MaxHeight <= 0 || limits.MaxDuration <= 0 {
		return nil, errors.New("media: every upload limit must be positive")
	}
	if err := os.MkdirAll(spoolDir, 0o755); err != nil {
		return nil, fmt.Errorf("media: spool folder: %w", err)
	}
	l := &Library{store: store, probe: probe, slots: slots, spoolDir: spoolDir, limits: limits, log: log,
		budget: spoolBudget{all: newBudget(limits.SpoolBytes), unverified: newBudget(limits.UnverifiedBytes), wait: spoolWait}}
	l.removeStale(time.Now())
	return l, nil
}

// Store is where the library keeps media.
func (l *Library) Store() mediastore.Storage { return l.store }

func (l *Library) removeStale(now time.Time) {
	entries, err := os.ReadDir(l.spoolDir)
	if err != nil {
		l.log.Warn("media: cannot list the spool folder", "dir", l.spoolDir, "error", err)
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && info.Mode().IsRegular() && now.Sub(info.ModTime()) > staleSpool {
			if err := os.Remove(filepath.Join(l.spoolDir, e.Name())); err == nil {
				l.log.Info("media: removed a leftover upload", "file", e.Name())
			}
		}
	}
}

// Import checks that the spooled file is a video within the limits, probing it while holding one
// of the library's slots (errno.Busy when none is free), and stores it under a new key. The
// spooled file is used up whatever happens; on error nothing is stored.
func (l *Library) Import(ctx context.Context, file *Spooled) (Stored, error) {
	defer file.remove()
	release, err := l.slots.Take()
	if err != nil {
		return Stored{}, err
	}
	format, err := l.probe.Probe(ctx, file.path)
	release()
	if err != nil {
		return Stored{}, err
	}
	if err := l.limits.check(format); err != nil {
		return Stored{}, err
	}
	base, err := newBase()
	if err != nil {
		return Stored{}, err
	}
	stored := Stored{PlayKey: base + "." + format.Ext}
	if err := l.store.Put(ctx, stored.PlayKey, file.path); err != nil {
		return Stored{}, err
	}
	return stored, nil
}

func (lim Limits) check(f ffmpeg.Format) error {
	if f.Width > lim.MaxWidth || f.Height > lim.MaxHeight {
		return errno.VideoOverLimits.WithMsg("the video is %dx%d pixels; at most %dx%d are accepted",
			f.Width, f.Height, lim.MaxWidth, lim.MaxHeight)
	}
	if f.Duration > lim.MaxDuration {
		return errno.VideoOverLimits.WithMsg("the video lasts %s; at most %s are accepted",
			f.Duration.Round(time.Second), lim.MaxDuration)
	}
	return nil
}

// newBase returns a fresh random name: 128 bits in hex, the shape mediastore.ValidKey wants.
func newBase() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Remove deletes the stored video of a publish that failed. A failure is logged: the caller's
// error is the one that matters to the client.
func (l *Library) Remove(ctx context.Context, s Stored) {
	if err := l.store.Delete(ctx, s.PlayKey); err != nil {
		l.log.ErrorContext(ctx, "media: could not remove the media of a failed publish", "key", s.PlayKey, "error", err)
	}
}
