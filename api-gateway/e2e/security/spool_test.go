//go:build integration

package security

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"simpletiktok/api-gateway/e2e/e2etest"
	"simpletiktok/pkg/ffmpeg/ffmpegtest"
)

// upload is a publish whose data part is size zero bytes, streamed (chunked: no declared length
// for the gateway to refuse unread) between the fields before and after it.
func upload(t *testing.T, before []e2etest.Part, size int64, after []e2etest.Part) *http.Request {
	t.Helper()
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		pw.CloseWithError(writeParts(w, before, size, after))
	}()
	req, err := http.NewRequest(http.MethodPost, shared.phone.Base+"/douyin/publish/action/", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

// writeParts writes the body of upload; it stops at the first error (the gateway answered and
// the transport closed the body).
func writeParts(w *multipart.Writer, before []e2etest.Part, size int64, after []e2etest.Part) error {
	field := func(p e2etest.Part) error {
		fw, err := w.CreateFormField(p.Name)
		if err == nil {
			_, err = fw.Write(p.Content)
		}
		return err
	}
	for _, p := range before {
		if err := field(p); err != nil {
			return err
		}
	}
	fw, err := w.CreateFormFile("data", "big.mp4")
	if err != nil {
		return err
	}
	if _, err := io.CopyN(fw, zeros{}, size); err != nil {
		return err
	}
	for _, p := range after {
		if err := field(p); err != nil {
			return err
		}
	}
	return w.Close()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// spoolWatch samples the size of the spool until stopped, and keeps the largest.
type spoolWatch struct {
	largest atomic.Int64
	stop    chan struct{}
	done    sync.WaitGroup
}

func watchSpool(t *testing.T) *spoolWatch {
	w := &spoolWatch{stop: make(chan struct{})}
	w.done.Go(func() {
		for {
			if n := spooled(t); n > w.largest.Load() {
				w.largest.Store(n)
			}
			select {
			case <-w.stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	})
	return w
}

// Stop ends the sampling and returns the largest size seen.
func (w *spoolWatch) Stop() int64 {
	close(w.stop)
	w.done.Wait()
	return w.largest.Load()
}

// sendAll sends the uploads at once and returns their answers.
func sendAll(t *testing.T, reqs []*http.Request) []e2etest.Answer {
	t.Helper()
	answers := make([]e2etest.Answer, len(reqs))
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() { answers[i] = shared.phone.Do(t, req) })
	}
	wg.Wait()
	return answers
}

// refusedEarly checks that a is a refusal given before the upload's body was read to its end, and
// that it closes its connection: the rest of the body is still on the way, so a next request sent
// on that connection would be read as part of it (the client saw it reset, a CI run failed on it).
func refusedEarly(t *testing.T, a e2etest.Answer) e2etest.Answer {
	t.Helper()
	a = e2etest.Refused(t, a)
	if !a.Close {
		t.Fatalf("answer %s came before the body's end without Connection: close", a.Raw)
	}
	return a
}

// A phone whose upload was refused before its body's end sends its next requests on one
// keep-alive connection at a time: each is answered, none meets a reset connection.
func TestRequestsAfterARefusedUploadAreAnswered(t *testing.T) {
	transport := &http.Transport{MaxConnsPerHost: 1}
	defer transport.CloseIdleConnections()
	phone := e2etest.Phone{Base: shared.phone.Base, Transport: transport}
	for i := range 3 {
		req := upload(t, []e2etest.Part{e2etest.TitleField("t")}, 6<<20, []e2etest.Part{e2etest.TokenField("garbage")})
		refusedEarly(t, phone.Do(t, req))
		e2etest.OK(t, phone.Post(t, "/douyin/user/register/", vals("username", e2etest.Unique(fmt.Sprint("after", i)), "password", "pass-word")))
	}
}

// A publish whose file (32 MiB) comes before a bad token is refused once the file has taken the
// spool's budget for files sent before their token (4 MiB): the spool never holds more, the
// answer says why, and nothing is left.
func TestBadTokenAfterABigFileIsRefusedWithinTheBudget(t *testing.T) {
	req := upload(t, []e2etest.Part{e2etest.TitleField("big")}, 32<<20, []e2etest.Part{e2etest.TokenField("garbage")})
	watch := watchSpool(t)
	a := refusedEarly(t, shared.phone.Do(t, req))
	largest := watch.Stop()
	if a.Code() != 10008 || !strings.Contains(a.Str("status_msg"), "token before the file") {
		t.Fatalf("answer %s; want 10008 asking for the token before the file", a.Raw)
	}
	if largest > unverifiedBytes {
		t.Fatalf("the spool held %d bytes; the budget for files before their token is %d", largest, unverifiedBytes)
	}
	t.Logf("the spool held at most %d bytes", largest)
	if n := spooled(t); n != 0 {
		t.Fatalf("%d bytes left in the spool", n)
	}
}

// Many such uploads at once share the same budget.
func TestManyBadTokenUploadsShareTheBudget(t *testing.T) {
	var reqs []*http.Request
	for i := range 8 {
		reqs = append(reqs, upload(t, []e2etest.Part{e2etest.TitleField(fmt.Sprint(i))}, 6<<20, []e2etest.Part{e2etest.TokenField("garbage")}))
	}
	watch := watchSpool(t)
	answers := sendAll(t, reqs)
	largest := watch.Stop()
	for _, a := range answers {
		refusedEarly(t, a)
	}
	if largest > unverifiedBytes {
		t.Fatalf("8 uploads at once: the spool held %d bytes; the budget for files before their token is %d", largest, unverifiedBytes)
	}
	t.Logf("8 uploads at once: the spool held at most %d bytes", largest)
}

// Uploads whose token came first share the whole spool's budget (12 MiB): four files of 6 MiB
// at once (zeros, so ffprobe refuses each once it is spooled) never hold more.
func TestUploadsWithTheirTokenFirstShareTheSpool(t *testing.T) {
	_, token := account(t, "spool")
	var reqs []*http.Request
	for i := range 4 {
		reqs = append(reqs, upload(t, []e2etest.Part{e2etest.TokenField(token), e2etest.TitleField(fmt.Sprint(i))}, 6<<20, nil))
	}
	watch := watchSpool(t)
	answers := sendAll(t, reqs)
	largest := watch.Stop()
	for _, a := range answers {
		switch a = e2etest.Refused(t, a); a.Code() {
		case 10008: // before the body's end
			refusedEarly(t, a)
		case 12006:
		default:
			t.Fatalf("answer %s; want 12006 (not a video) or 10008 (the spool is full)", a.Raw)
		}
	}
	if largest > spoolBytes {
		t.Fatalf("the spool held %d bytes; its budget is %d", largest, spoolBytes)
	}
	t.Logf("4 verified uploads at once: the spool held at most %d bytes", largest)
}

// The phone may send its token after the file: such an upload still publishes.
func TestTokenAfterTheFilePublishes(t *testing.T) {
	id, token := account(t, "late")
	clip, err := os.ReadFile(ffmpegtest.MP4(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	e2etest.OK(t, shared.phone.Upload(t, nil, e2etest.TitleField("token last"), e2etest.DataFile(clip), e2etest.TokenField(token)))
	list := e2etest.OK(t, shared.phone.Get(t, "/douyin/publish/list/", vals("token", token, "user_id", fmt.Sprint(id))))
	if videos := list.List(t, "video_list"); len(videos) != 1 || videos[0]["title"] != "token last" {
		t.Fatalf("publish list %s; want the video", list.Raw)
	}
}
