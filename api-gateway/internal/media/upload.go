package media

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"strings"

	"simpletiktok/pkg/errno"
)

const (
	// formOverhead is what a publish body may hold besides the file: the other fields, the part
	// headers and boundaries. A declared length beyond limit+formOverhead is refused unread.
	formOverhead = 64 << 10
	// maxFieldBytes bounds a text field (token, title) read into memory.
	maxFieldBytes = 8 << 10
	// maxParts bounds the number of parts of one body.
	maxParts = 16
)

// Form is a publish body as read: its text fields and its file, spooled to disk.
type Form struct {
	Token    string
	HasToken bool
	Title    string
	File     *Spooled // nil when the body had no data part
}

// Spooled is an uploaded file in the spool, waiting to be checked and stored.
type Spooled struct {
	path    string
	size    int64
	release func() // gives back its spool budget
}

// remove deletes the spool file, if still there, and gives back its budget (once).
func (s *Spooled) remove() {
	os.Remove(s.path)
	if s.release != nil {
		s.release()
		s.release = nil
	}
}

// Size is the number of bytes of the file.
func (s *Spooled) Size() int64 { return s.size }

// Discard removes the spooled file, if still there. It is safe on a nil form.
func (f *Form) Discard() {
	if f != nil && f.File != nil {
		f.File.remove()
		f.File = nil
	}
}

// ReadForm reads a multipart/form-data publish body as a stream: the data part is copied to a
// spool file and refused once it passes the library's limit (so at most limit bytes are ever
// kept, and none in memory), the token and title fields are kept in memory, other parts are
// skipped. contentLength is the declared length (negative when unknown).
//
// beforeFile is called once the fields that came before the file are read, when the file starts:
// an error from it stops the reading (a caller uses it to refuse a bad token before storing
// anything), and it says whether the caller is known by then. The file of an unknown caller takes
// the spool budget of the unverified too (Limits). The form returned holds what was read even
// when there is an error, but never a file: on error, nothing is left in the spool.
func (l *Library) ReadForm(body io.Reader, contentType string, contentLength int64, beforeFile func(*Form) (verified bool, err error)) (*Form, error) {
	form := &Form{}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return form, errno.VideoBadUpload
	}
	if contentLength > l.limits.MaxBytes+formOverhead {
		return form, l.tooLarge()
	}
	if err := l.readParts(multipart.NewReader(body, params["boundary"]), form, beforeFile); err != nil {
		form.Discard()
		return form, err
	}
	return form, nil
}

func (l *Library) readParts(mr *multipart.Reader, form *Form, beforeFile func(*Form) (bool, error)) error {
	for n := 0; ; n++ {
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil || n == maxParts {
			return errno.VideoBadUpload
		}
		switch part.FormName() {
		case "data":
			if form.File != nil {
				return errno.VideoFileRequired.WithMsg("send exactly one video file in the data field")
			}
			verified, err := beforeFile(form)
			if err != nil {
				return err
			}
			if form.File, err = l.spool(part, verified); err != nil {
				return err
			}
		case "token":
			form.Token, err = readField(part)
			form.HasToken = true
		case "title":
			form.Title, err = readField(part)
			if errors.Is(err, errFieldTooLong) {
				err = errno.VideoInvalidTitle
			}
		default:
			_, err = io.Copy(io.Discard, io.LimitReader(part, formOverhead))
		}
		if err != nil {
			return err
		}
	}
}

var errFieldTooLong = errno.BadRequest.WithMsg("a form field is longer than %d bytes", maxFieldBytes)

func readField(part io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
	if err != nil {
		return "", errno.VideoBadUpload
	}
	if len(b) > maxFieldBytes {
		return "", errFieldTooLong
	}
	return string(b), nil
}

// spool copies the file part to a new spool file, at most maxBytes of it, within the spool's
// budgets.
func (l *Library) spool(part io.Reader, verified bool) (_ *Spooled, err error) {
	f, err := os.CreateTemp(l.spoolDir, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("media: spool file: %w", err)
	}
	file := &chargedFile{f: f, budget: l.budget, unverified: !verified}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("media: spool file: %w", cerr)
		}
		if err != nil {
			os.Remove(f.Name())
			file.release()
		}
	}()
	n, err := io.Copy(file, io.LimitReader(part, l.limits.MaxBytes+1))
	switch {
	case errors.Is(err, errno.Busy):
		return nil, err
	case err != nil && isDiskError(err):
		return nil, fmt.Errorf("media: spool file: %w", err)
	case err != nil:
		return nil, errno.VideoBadUpload.WithMsg("the upload was cut short: %s", strings.TrimPrefix(err.Error(), "multipart: "))
	case n > l.limits.MaxBytes:
		return nil, l.tooLarge()
	case n == 0:
		return nil, errno.VideoFileRequired.WithMsg("the file in the data field is empty")
	}
	if err := f.Chmod(0o644); err != nil {
		return nil, fmt.Errorf("media: spool file: %w", err)
	}
	return &Spooled{path: f.Name(), size: n, release: file.release}, nil
}

func (l *Library) tooLarge() error {
	return errno.VideoTooLarge.WithMsg("the video file is larger than the upload limit of %s", humanBytes(l.limits.MaxBytes))
}

// isDiskError tells a failure to write the spool file from a failure to read the upload.
func isDiskError(err error) bool {
	var pe *os.PathError
	return errors.As(err, &pe)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}
