// Package mediastore keeps media files (uploaded videos and their covers) under generated keys,
// in a local folder or an S3-compatible bucket. The gateway stores uploads and serves them; the
// media worker reads a video and stores its cover, through the same Storage.
package mediastore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// ErrNotFound is what Storage.Open reports for a key that holds nothing.
var ErrNotFound = errors.New("media: no such key")

// ErrKeyInUse is what Local.Put reports for a key that already holds a file.
var ErrKeyInUse = errors.New("media: key in use")

// Storage keeps media files under keys. The gateway generates every key (ValidKey); nothing a
// client sends ever becomes part of one.
type Storage interface {
	// Put moves the local file at path into storage under key, which must not be in use.
	Put(ctx context.Context, key, path string) error
	// Open returns the content of key, or ErrNotFound.
	Open(ctx context.Context, key string) (*Object, error)
	// Delete removes key; a key that holds nothing is not an error.
	Delete(ctx context.Context, key string) error
}

// Object is stored content opened for reading.
type Object struct {
	Body    io.ReadSeekCloser
	Size    int64
	ModTime time.Time
}

// sectionReader is a body that can fetch one byte range by itself (object storage asks the server
// for just that range), where a file would seek and read on.
type sectionReader interface {
	Section(start, length int64) (io.ReadCloser, error)
}

// Section returns length bytes of the object from start, to be read once and closed (closing it
// closes the object). On error the object stays open.
func (o *Object) Section(start, length int64) (io.ReadCloser, error) {
	if s, ok := o.Body.(sectionReader); ok {
		return s.Section(start, length)
	}
	if _, err := o.Body.Seek(start, io.SeekStart); err != nil {
		return nil, err
	}
	return limitedCloser{io.LimitReader(o.Body, length), o.Body}, nil
}

type limitedCloser struct {
	io.Reader
	io.Closer
}

// keyPattern is the only shape a key has: 128 random bits in hex and a known extension. It keeps
// every key a plain file name (no separator, no dot segment), whatever reaches Open.
var keyPattern = regexp.MustCompile(`^[0-9a-f]{32}\.(mp4|mov|webm|mkv|jpg)$`)

// contentTypes are the types media are served with, by extension.
var contentTypes = map[string]string{
	"mp4":  "video/mp4",
	"mov":  "video/quicktime",
	"webm": "video/webm",
	"mkv":  "video/x-matroska",
	"jpg":  "image/jpeg",
}

// ValidKey reports whether key has the shape of a generated key.
func ValidKey(key string) bool { return keyPattern.MatchString(key) }

// ContentType is the content type of a valid key.
func ContentType(key string) string {
	return contentTypes[key[strings.LastIndexByte(key, '.')+1:]]
}

// CoverKey is the key of the cover of the video stored under playKey: the same base name with
// .jpg. Deriving it (rather than drawing a new one) makes storing a cover idempotent: a job run
// twice writes the same key, so a video never ends up with two cover files.
func CoverKey(playKey string) (string, error) {
	if !ValidKey(playKey) || strings.HasSuffix(playKey, ".jpg") {
		return "", fmt.Errorf("media: %q is not the key of a video", playKey)
	}
	return playKey[:strings.LastIndexByte(playKey, '.')] + ".jpg", nil
}

// Local keeps media as files in one folder (a volume under docker-compose).
type Local struct{ dir string }

// NewLocal returns the storage over dir, creating it if missing.
func NewLocal(dir string) (*Local, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("media.dir %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("media.dir: %w", err)
	}
	return &Local{dir: abs}, nil
}

// Dir is the folder the files are in.
func (l *Local) Dir() string { return l.dir }

// Path is the file of key, for a process on this machine that reads media in place (the media
// worker hands it to ffmpeg rather than copying it).
func (l *Local) Path(key string) (string, error) { return l.path(key) }

func (l *Local) path(key string) (string, error) {
	if !ValidKey(key) {
		return "", fmt.Errorf("media: %q is not a generated key", key)
	}
	return filepath.Join(l.dir, key), nil
}

// Put renames path into place, which is atomic when path is on the same file system (the spool
// is a folder inside dir for that reason); across file systems it copies.
func (l *Local) Put(_ context.Context, key, path string) error {
	dst, err := l.path(key)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("media: store %s: %w", key, ErrKeyInUse)
	}
	err = os.Rename(path, dst)
	if errors.Is(err, syscall.EXDEV) {
		err = copyFile(path, dst)
	}
	if err != nil {
		return fmt.Errorf("media: store %s: %w", key, err)
	}
	return nil
}

func (l *Local) Open(_ context.Context, key string) (*Object, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, ErrNotFound
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("media: open %s: %w", key, err)
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, ErrNotFound
	}
	return &Object{Body: f, Size: info.Size(), ModTime: info.ModTime()}, nil
}

func (l *Local) Delete(_ context.Context, key string) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("media: delete %s: %w", key, err)
	}
	return nil
}

// copyFile copies src to a new dst and removes src; a partial dst is removed on failure.
func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(dst)
			return
		}
		os.Remove(src)
	}()
	_, err = io.Copy(out, in)
	return err
}
