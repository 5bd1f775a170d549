package e2etest

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"
)

// Part is one part of a publish's multipart body: a file when Filename is set.
type Part struct {
	Name, Filename string
	Content        []byte
}

// TokenField is the token part of a publish.
func TokenField(token string) Part { return Part{Name: "token", Content: []byte(token)} }

// TitleField is the title part of a publish.
func TitleField(title string) Part { return Part{Name: "title", Content: []byte(title)} }

// DataFile is the video part of a publish, as the phone names it.
func DataFile(content []byte) Part {
	return Part{Name: "data", Filename: "clip.mp4", Content: content}
}

// UploadRequest is POST /douyin/publish/action/?query with a multipart body of the parts, in
// their order. It takes no testing.TB, so that a goroutine of a test may build one.
func (p Phone) UploadRequest(query url.Values, parts ...Part) (*http.Request, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, part := range parts {
		var (
			pw  io.Writer
			err error
		)
		if part.Filename != "" {
			pw, err = w.CreateFormFile(part.Name, part.Filename)
		} else {
			pw, err = w.CreateFormField(part.Name)
		}
		if err != nil {
			return nil, err
		}
		pw.Write(part.Content)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, p.Base+"/douyin/publish/action/?"+query.Encode(), &body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req, nil
}

// Upload sends an upload of the parts and returns the answer.
func (p Phone) Upload(t testing.TB, query url.Values, parts ...Part) Answer {
	t.Helper()
	req, err := p.UploadRequest(query, parts...)
	if err != nil {
		t.Fatal(err)
	}
	return p.Do(t, req)
}

// Publish uploads clip titled title as the owner of token, as the phone does.
func (p Phone) Publish(t testing.TB, token, title string, clip []byte) Answer {
	t.Helper()
	return p.Upload(t, nil, TokenField(token), TitleField(title), DataFile(clip))
}
