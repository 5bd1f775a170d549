package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// staleSpool is the age after which a spool file is a leftover of a stopped gateway, removed at
// start. An upload in progress in another gateway sharing the folder is younger.
const staleSpool = time.Hour

// Library turns uploads into stored media.
type Library struct {
	store    Storage
	tools    Tools
	spoolDir string
	maxBytes int64
	log      *slog.Logger
}

// Stored are the keys of a published video's media. CoverKey is "" when no cover could be
// extracted; the fallback cover is shown then.
type Stored struct {
	PlayKey  string
	CoverKey string
}

// NewLibrary returns the library over store. Uploads are spooled in spoolDir (created if missing,
// its leftovers removed) while they are checked; with Local storage, keep it on the same file
// system as the media so that storing is a rename.
func NewLibrary(store Storage, tools Tools, spoolDir string, maxBytes int64, log *slog.Logger) (*Library, error) {
	if maxBytes <= 0 {
		return nil, errors.New("media: the upload limit must be positive")
	}
	if err := os.MkdirAll(spoolDir, 0o755); err != nil {
		return nil, fmt.Errorf("media: spool folder: %w", err)
	}
	l := &Library{store: store, tools: tools, spoolDir: spoolDir, maxBytes: maxBytes, log: log}
	l.removeStale(time.Now())
	return l, nil
}

// Store is where the library keeps media.
func (l *Library) Store() Storage { return l.store }

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

// Import checks that the spooled file is a video, extracts its cover and stores both under new
// keys, while holding one of the tools' slots (errno.Busy when none is free). The spooled file
// is used up whatever happens; on error nothing is stored. A cover that cannot be extracted is
// logged once and left out (CoverKey ""), since the video itself is fine.
func (l *Library) Import(ctx context.Context, file *Spooled) (Stored, error) {
	defer os.Remove(file.path)
	release, err := l.tools.Slots.Take()
	if err != nil {
		return Stored{}, err
	}
	defer release()
	format, err := l.tools.Probe(ctx, file.path)
	if err != nil {
		return Stored{}, err
	}
	base, err := newBase()
	if err != nil {
		return Stored{}, err
	}
	stored := Stored{PlayKey: base + "." + format.Ext}
	coverPath, coverErr := l.extractCover(ctx, file.path)
	if coverErr != nil {
		l.log.WarnContext(ctx, "media: no cover could be extracted; the fallback cover is shown",
			"play_key", stored.PlayKey, "error", coverErr)
	}
	if err := l.store.Put(ctx, stored.PlayKey, file.path); err != nil {
		os.Remove(coverPath)
		return Stored{}, err
	}
	if coverErr == nil {
		stored.CoverKey = base + ".jpg"
		if err := l.store.Put(ctx, stored.CoverKey, coverPath); err != nil {
			os.Remove(coverPath)
			l.Remove(ctx, Stored{PlayKey: stored.PlayKey})
			return Stored{}, err
		}
	}
	return stored, nil
}

// extractCover writes the cover to a new spool file and returns its path.
func (l *Library) extractCover(ctx context.Context, video string) (string, error) {
	out := video + ".cover.jpg"
	if err := l.tools.Cover(ctx, video, out); err != nil {
		os.Remove(out)
		return "", err
	}
	info, err := os.Stat(out)
	if err != nil || info.Size() == 0 {
		os.Remove(out)
		return "", errors.New("ffmpeg wrote no image")
	}
	return out, nil
}

// Remove deletes stored media (a publish that failed after they were stored). Failures are
// logged: the caller's error is the one that matters to the client.
func (l *Library) Remove(ctx context.Context, s Stored) {
	for _, key := range []string{s.PlayKey, s.CoverKey} {
		if key == "" {
			continue
		}
		if err := l.store.Delete(ctx, key); err != nil {
			l.log.ErrorContext(ctx, "media: could not remove the media of a failed publish", "key", key, "error", err)
		}
	}
}
