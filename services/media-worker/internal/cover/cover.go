// Package cover holds the media worker's rule for one job: make the cover of a published video
// and record it with the video service, in a way that can run any number of times with one result.
//
// Idempotence comes from three facts: a video that has a cover is left alone; the cover's key is
// derived from the video's (mediastore.CoverKey), so a second run writes the same key, never a
// second file; and the video service keeps the first cover recorded.
package cover

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/ffmpeg"
	"simpletiktok/pkg/mediajob"
	"simpletiktok/pkg/mediastore"
)

// Videos is what the worker asks and tells the video service, which owns the rows.
type Videos interface {
	// CoverOf returns the cover key of a video ("" while it has none), or errno.VideoNotFound.
	CoverOf(ctx context.Context, videoID int64) (string, error)
	// SetCover records a cover and returns the one the video has afterwards.
	SetCover(ctx context.Context, videoID int64, coverKey string) (string, error)
}

// Extractor writes a JPEG cover of the video at in to out (ffmpeg.Tools).
type Extractor interface {
	Cover(ctx context.Context, in, out string) error
}

// localPaths is a store whose files this process can read in place (mediastore.Local).
type localPaths interface {
	Path(key string) (string, error)
}

// permanentError is a failure that another attempt would repeat: the job goes to the dead-letter
// subject at once.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as one no retry can fix.
func Permanent(err error) error { return &permanentError{err: err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// Outcome says what a successful run did.
type Outcome string

const (
	Made        Outcome = "made"         // the cover was made and recorded
	AlreadyMade Outcome = "already_made" // the video had a cover: an earlier run recorded it
)

// Maker makes covers.
type Maker struct {
	videos  Videos
	store   mediastore.Storage
	ffmpeg  Extractor
	workDir string
	log     *slog.Logger
}

// NewMaker returns the rule over its dependencies; workDir holds the scratch files of running
// jobs (with local storage keep it on the media's file system, so that storing a cover is a
// rename).
func NewMaker(videos Videos, store mediastore.Storage, ffmpeg Extractor, workDir string, log *slog.Logger) (*Maker, error) {
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return nil, fmt.Errorf("cover: work folder: %w", err)
	}
	return &Maker{videos: videos, store: store, ffmpeg: ffmpeg, workDir: workDir, log: log}, nil
}

// Make runs one job. An error marked Permanent will not go away with a retry (the video or its
// file is gone, ffmpeg cannot read the file); any other error may (the video service, the storage
// or the machine had a problem).
func (m *Maker) Make(ctx context.Context, job mediajob.Job) (Outcome, error) {
	coverKey, err := mediastore.CoverKey(job.PlayKey)
	if err != nil {
		return "", Permanent(err)
	}
	current, err := m.videos.CoverOf(ctx, job.VideoID)
	switch {
	case errors.Is(err, errno.VideoNotFound):
		return "", Permanent(fmt.Errorf("video %d does not exist", job.VideoID))
	case err != nil:
		return "", fmt.Errorf("ask the video service for video %d: %w", job.VideoID, err)
	case current != "":
		return AlreadyMade, nil
	}

	video, release, err := m.localCopy(ctx, job.PlayKey)
	if err != nil {
		return "", err
	}
	defer release()
	out, err := os.CreateTemp(m.workDir, "cover-*.jpg")
	if err != nil {
		return "", fmt.Errorf("cover: scratch file: %w", err)
	}
	out.Close()
	defer os.Remove(out.Name()) // Put moves it; this removes it only on failure
	if err := m.ffmpeg.Cover(ctx, video, out.Name()); err != nil {
		if ffmpeg.Rejected(err) {
			return "", Permanent(fmt.Errorf("ffmpeg cannot make a cover of %s: %w", job.PlayKey, err))
		}
		return "", fmt.Errorf("ffmpeg on %s: %w", job.PlayKey, err)
	}
	if info, err := os.Stat(out.Name()); err != nil || info.Size() == 0 {
		return "", Permanent(fmt.Errorf("ffmpeg wrote no image for %s", job.PlayKey))
	}

	// A run that died after storing the cover and before recording it left the same key: replace it.
	if err := m.store.Delete(ctx, coverKey); err != nil {
		return "", fmt.Errorf("clear cover %s: %w", coverKey, err)
	}
	if err := m.store.Put(ctx, coverKey, out.Name()); err != nil {
		return "", fmt.Errorf("store cover %s: %w", coverKey, err)
	}
	kept, err := m.videos.SetCover(ctx, job.VideoID, coverKey)
	switch {
	case errors.Is(err, errno.VideoNotFound):
		m.removeOrphan(ctx, coverKey)
		return "", Permanent(fmt.Errorf("video %d does not exist", job.VideoID))
	case err != nil:
		// The stored cover stays: the retry replaces and records it.
		return "", fmt.Errorf("record cover of video %d: %w", job.VideoID, err)
	case kept != coverKey:
		// Another cover was recorded first (not one of ours): ours is an orphan.
		m.removeOrphan(ctx, coverKey)
		return AlreadyMade, nil
	}
	return Made, nil
}

// localCopy returns a path of the video ffmpeg can read: the file itself with local storage, else
// a scratch copy (removed by release).
func (m *Maker) localCopy(ctx context.Context, key string) (path string, release func(), err error) {
	if lp, ok := m.store.(localPaths); ok {
		p, err := lp.Path(key)
		if err != nil {
			return "", nil, Permanent(err)
		}
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return "", nil, Permanent(fmt.Errorf("the video file %s is gone", key))
		}
		return p, func() {}, nil
	}
	obj, err := m.store.Open(ctx, key)
	if errors.Is(err, mediastore.ErrNotFound) {
		return "", nil, Permanent(fmt.Errorf("the video file %s is gone", key))
	}
	if err != nil {
		return "", nil, fmt.Errorf("open %s: %w", key, err)
	}
	defer obj.Body.Close()
	f, err := os.CreateTemp(m.workDir, "video-*"+filepath.Ext(key))
	if err != nil {
		return "", nil, fmt.Errorf("cover: scratch file: %w", err)
	}
	_, err = io.Copy(f, obj.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", nil, fmt.Errorf("copy %s: %w", key, err)
	}
	return f.Name(), func() { os.Remove(f.Name()) }, nil
}

func (m *Maker) removeOrphan(ctx context.Context, key string) {
	if err := m.store.Delete(ctx, key); err != nil {
		m.log.WarnContext(ctx, "cover: an unrecorded cover could not be removed", "key", key, "error", err)
	}
}

// staleScratch is the age after which a scratch file is a leftover of a worker that died.
const staleScratch = time.Hour

// RemoveStale deletes the scratch files left by workers that died mid-job; a file of a job
// running in another worker that shares the folder is younger.
func (m *Maker) RemoveStale(now time.Time) {
	entries, err := os.ReadDir(m.workDir)
	if err != nil {
		m.log.Warn("cover: cannot list the work folder", "dir", m.workDir, "error", err)
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && info.Mode().IsRegular() && now.Sub(info.ModTime()) > staleScratch {
			if os.Remove(filepath.Join(m.workDir, e.Name())) == nil {
				m.log.Info("cover: removed a leftover scratch file", "file", e.Name())
			}
		}
	}
}
