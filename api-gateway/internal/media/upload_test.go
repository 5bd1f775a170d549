package media

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"simpletiktok/pkg/errno"
)

// part is one part of a multipart body: a file when filename is set.
type part struct{ name, filename, content string }

func body(t *testing.T, parts ...part) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		var (
			pw  io.Writer
			err error
		)
		if p.filename != "" {
			pw, err = w.CreateFormFile(p.name, p.filename)
		} else {
			pw, err = w.CreateFormField(p.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(pw, p.content)
	}
	w.Close()
	return &buf, w.FormDataContentType()
}

func accept(*Form) (bool, error) { return true, nil }

func TestReadFormFieldsAroundTheFile(t *testing.T) {
	lib, store, _ := newLibrary(t, 1<<20)
	for name, parts := range map[string][]part{
		"token first": {{"token", "", "tok"}, {"title", "", "My title"}, {"data", "../../etc/passwd", "VIDEO"}},
		"file first":  {{"data", "clip.mp4", "VIDEO"}, {"title", "", "My title"}, {"token", "", "tok"}, {"extra", "", "ignored"}},
	} {
		t.Run(name, func(t *testing.T) {
			b, ct := body(t, parts...)
			form, err := lib.ReadForm(b, ct, int64(b.Len()), accept)
			if err != nil {
				t.Fatal(err)
			}
			defer form.Discard()
			if !form.HasToken || form.Token != "tok" || form.Title != "My title" || form.File == nil || form.File.Size() != 5 {
				t.Fatalf("form = %+v", form)
			}
			got, _ := os.ReadFile(form.File.path)
			if string(got) != "VIDEO" || filepath.Dir(form.File.path) != filepath.Join(store.Dir(), ".incoming") {
				t.Fatalf("spooled %q at %s", got, form.File.path)
			}
			// The client's file name plays no part in where the file goes.
			if strings.Contains(form.File.path, "passwd") || strings.Contains(form.File.path, "clip") {
				t.Fatalf("spool path %s uses the client's file name", form.File.path)
			}
			form.Discard()
			if left := files(t, store.Dir()); len(left) != 0 {
				t.Fatalf("Discard left %v", left)
			}
		})
	}
}

func TestReadFormRefusals(t *testing.T) {
	const limit = 1000
	big := strings.Repeat("v", limit+1)
	cases := []struct {
		name  string
		parts []part
		want  error
	}{
		{"file over the limit", []part{{"title", "", "t"}, {"data", "a.mp4", big}}, errno.VideoTooLarge},
		{"two files", []part{{"data", "a.mp4", "x"}, {"data", "b.mp4", "y"}}, errno.VideoFileRequired},
		{"empty file", []part{{"data", "a.mp4", ""}}, errno.VideoFileRequired},
		{"huge title", []part{{"title", "", strings.Repeat("t", maxFieldBytes+1)}, {"data", "a.mp4", "x"}}, errno.VideoInvalidTitle},
		{"too many parts", func() []part {
			var ps []part
			for i := 0; i <= maxParts; i++ {
				ps = append(ps, part{"junk", "", "x"})
			}
			return ps
		}(), errno.VideoBadUpload},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lib, store, _ := newLibrary(t, limit)
			b, ct := body(t, c.parts...)
			// The declared length is unknown (chunked): the limit holds while reading.
			form, err := lib.ReadForm(b, ct, -1, accept)
			if !errors.Is(err, c.want) {
				t.Fatalf("ReadForm = %v; want %v", err, c.want)
			}
			if form.File != nil {
				t.Fatal("a refused form holds a file")
			}
			if left := files(t, store.Dir()); len(left) != 0 {
				t.Fatalf("a refused upload left %v", left)
			}
		})
	}
}

func TestReadFormFileOfExactlyTheLimit(t *testing.T) {
	lib, _, _ := newLibrary(t, 1000)
	b, ct := body(t, part{"data", "a.mp4", strings.Repeat("v", 1000)})
	form, err := lib.ReadForm(b, ct, -1, accept)
	if err != nil || form.File.Size() != 1000 {
		t.Fatalf("a file of exactly the limit: %v", err)
	}
	form.Discard()
}

// failingReader stands for a body that must not be read.
type failingReader struct{ t *testing.T }

func (f failingReader) Read([]byte) (int, error) {
	f.t.Fatal("the body was read")
	return 0, io.EOF
}

func TestReadFormRefusesADeclaredOversizeUnread(t *testing.T) {
	lib, _, _ := newLibrary(t, 1000)
	_, ct := body(t)
	_, err := lib.ReadForm(failingReader{t}, ct, 1000+formOverhead+1, accept)
	if !errors.Is(err, errno.VideoTooLarge) || !strings.Contains(err.Error(), "1000 bytes") {
		t.Fatalf("ReadForm = %v; want VideoTooLarge naming the limit", err)
	}
}

func TestReadFormNeedsMultipart(t *testing.T) {
	lib, _, _ := newLibrary(t, 1000)
	for _, ct := range []string{"", "application/x-www-form-urlencoded", "multipart/form-data", "multipart/mixed; boundary=x", "text/plain; boundary=x"} {
		if _, err := lib.ReadForm(strings.NewReader("title=x"), ct, 7, accept); !errors.Is(err, errno.VideoBadUpload) {
			t.Errorf("content type %q: %v; want VideoBadUpload", ct, err)
		}
	}
}

// A bad token found before the file stops the upload before anything is spooled.
func TestBeforeFileStopsTheUpload(t *testing.T) {
	lib, store, _ := newLibrary(t, 1<<20)
	b, ct := body(t, part{"token", "", "bad"}, part{"data", "a.mp4", "VIDEO"}, part{"title", "", "t"})
	var seen string
	form, err := lib.ReadForm(b, ct, -1, func(f *Form) (bool, error) {
		seen = f.Token
		return false, errno.Unauthorized
	})
	if !errors.Is(err, errno.Unauthorized) || seen != "bad" || form.Token != "bad" {
		t.Fatalf("ReadForm = %v (token seen %q); want Unauthorized after seeing the token", err, seen)
	}
	if left := files(t, store.Dir()); len(left) != 0 {
		t.Fatalf("left %v", left)
	}
}

// A body cut off in the middle of the file: nothing is kept.
func TestReadFormCutShort(t *testing.T) {
	lib, store, _ := newLibrary(t, 1<<20)
	b, ct := body(t, part{"title", "", "t"}, part{"data", "a.mp4", strings.Repeat("v", 5000)})
	cut := bytes.NewReader(b.Bytes()[:b.Len()-2000])
	form, err := lib.ReadForm(cut, ct, -1, accept)
	if !errors.Is(err, errno.VideoBadUpload) || form.File != nil {
		t.Fatalf("ReadForm = %v; want VideoBadUpload", err)
	}
	if left := files(t, store.Dir()); len(left) != 0 {
		t.Fatalf("left %v", left)
	}
}
