package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Status codes the suite reads (pkg/errno, docs/errors.md).
const (
	codeInternal    = 10000
	codeUnavailable = 10004
	codeTimedOut    = 10007
	codeBusy        = 10008
	codeRateLimited = 10009
	// codeOutcomeUnknown is the gateway's "no answer came: the request may have been carried
	// out" (a connection to the service lost after sending, a deadline after sending). To the
	// ledger it is as good as no answer at all.
	codeOutcomeUnknown = 10010
)

// idempotencyParam is the parameter that names a comment or message post (its idempotency key,
// docs/api.md "Repeating a write"), so that a retry of a post whose outcome the client does not
// know cannot store it twice.
const idempotencyParam = "request_id"

// api calls the gateway's public HTTP API as the phone does: one gateway at base, or several
// through lb.
type api struct {
	base   string
	lb     *balancer
	client *http.Client
}

// balanced is a with its requests sent through lb instead of to a.base.
func (a *api) balanced(lb *balancer) *api { return &api{base: a.base, lb: lb, client: a.client} }

func newAPI(base string, timeout time.Duration, conns int) *api {
	transport := &http.Transport{
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     30 * time.Second,
	}
	return &api{base: base, client: &http.Client{Timeout: timeout, Transport: transport}}
}

// answer is what one request got. A request without a contract answer (no connection, a timeout,
// a body that is not the contract's JSON) has Err set and Code -1.
type answer struct {
	Start   time.Time
	Latency time.Duration
	HTTP    int
	Code    int64
	Msg     string
	Err     error
	Body    envelope
}

// ok: the gateway said the request was carried out.
func (a answer) ok() bool { return a.Err == nil && a.Code == 0 }

// outcome classifies the answer to a write: a contract answer with a non-zero code reports the
// write as not carried out, except 10010, which says the gateway does not know; without a
// contract answer the client cannot know either.
func (a answer) outcome() Outcome {
	switch {
	case a.Err != nil, a.Code == codeOutcomeUnknown:
		return Unknown
	case a.Code == 0:
		return Acked
	default:
		return Failed
	}
}

// describe is a short human form of the answer for check details, never with a token.
func (a answer) describe() string {
	if a.Err != nil {
		return fmt.Sprintf("no answer (%v) after %s", a.Err, a.Latency.Round(time.Millisecond))
	}
	return fmt.Sprintf("%d %q after %s", a.Code, a.Msg, a.Latency.Round(time.Millisecond))
}

// envelope holds the fields of every answer the suite reads.
type envelope struct {
	StatusCode  *int64    `json:"status_code"`
	StatusMsg   string    `json:"status_msg"`
	UserID      int64     `json:"user_id"`
	Token       string    `json:"token"`
	VideoList   []video   `json:"video_list"`
	CommentList []comment `json:"comment_list"`
	UserList    []struct {
		ID int64 `json:"id"`
	} `json:"user_list"`
}

type video struct {
	ID     int64 `json:"id"`
	Author struct {
		ID int64 `json:"id"`
	} `json:"author"`
}

type comment struct {
	ID      int64  `json:"id"`
	Content string `json:"content"`
}

// errNoContractAnswer marks a body that is not the contract's JSON.
var errNoContractAnswer = errors.New("the answer is not the contract's JSON")

// call sends one request. query goes in the query string; body, when set, with contentType.
func (a *api) call(ctx context.Context, method, path string, query url.Values, body io.Reader, contentType string) (ans answer) {
	ans = answer{Start: time.Now(), Code: -1}
	defer func() { ans.Latency = time.Since(ans.Start) }()
	var payload []byte
	if body != nil {
		var err error
		if payload, err = io.ReadAll(body); err != nil {
			ans.Err = err
			return ans
		}
	}
	build := func(base string) (*http.Request, error) {
		var body io.Reader
		if payload != nil {
			body = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, base+path+"?"+query.Encode(), body)
		if err == nil && contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		return req, err
	}
	var resp *http.Response
	var err error
	if a.lb != nil {
		resp, err = a.lb.do(a.client, build)
	} else {
		var req *http.Request
		if req, err = build(a.base); err == nil {
			resp, err = a.client.Do(req)
		}
	}
	if err != nil {
		ans.Err = transportError(err)
		return ans
	}
	defer resp.Body.Close()
	ans.HTTP = resp.StatusCode
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		ans.Err = transportError(err)
		return ans
	}
	if err := json.Unmarshal(raw, &ans.Body); err != nil || ans.Body.StatusCode == nil {
		ans.Err = fmt.Errorf("%w (HTTP %d)", errNoContractAnswer, resp.StatusCode)
		return ans
	}
	ans.Code, ans.Msg = *ans.Body.StatusCode, ans.Body.StatusMsg
	return ans
}

// transportError drops the URL from a client error: the query holds a token.
func transportError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		if uerr.Timeout() {
			return errors.New("client timeout")
		}
		return uerr.Err
	}
	return err
}

func (a *api) get(ctx context.Context, path string, q url.Values) answer {
	return a.call(ctx, http.MethodGet, path, q, nil, "")
}

func (a *api) post(ctx context.Context, path string, q url.Values) answer {
	return a.call(ctx, http.MethodPost, path, q, nil, "")
}

// account is a user of the suite; the token is never printed.
type account struct {
	ID    int64
	Token string
}

func (a *api) register(ctx context.Context, name, password string) (account, answer) {
	ans := a.post(ctx, "/douyin/user/register/", url.Values{"username": {name}, "password": {password}})
	return account{ID: ans.Body.UserID, Token: ans.Body.Token}, ans
}

// publish uploads clip with title as the owner of token.
func (a *api) publish(ctx context.Context, token, title string, clip []byte) answer {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("token", token)
	_ = w.WriteField("title", title)
	part, err := w.CreateFormFile("data", "clip.mp4")
	if err == nil {
		_, err = part.Write(clip)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return answer{Start: time.Now(), Code: -1, Err: err}
	}
	return a.call(ctx, http.MethodPost, "/douyin/publish/action/", url.Values{}, &body, w.FormDataContentType())
}

func id(v int64) string { return strconv.FormatInt(v, 10) }

func (a *api) like(ctx context.Context, token string, videoID int64, on bool) answer {
	return a.post(ctx, "/douyin/favorite/action/", url.Values{"token": {token}, "video_id": {id(videoID)}, "action_type": {action(on)}})
}

func (a *api) follow(ctx context.Context, token string, to int64, on bool) answer {
	return a.post(ctx, "/douyin/relation/action/", url.Values{"token": {token}, "to_user_id": {id(to)}, "action_type": {action(on)}})
}

// comment posts text on a video; key is its idempotency key, none when empty (as the phone sends).
func (a *api) comment(ctx context.Context, token string, videoID int64, text, key string) answer {
	return a.post(ctx, "/douyin/comment/action/", withKey(url.Values{"token": {token}, "video_id": {id(videoID)},
		"action_type": {"1"}, "comment_text": {text}}, key))
}

// message sends text to a user; key is its idempotency key, none when empty.
func (a *api) message(ctx context.Context, token string, to int64, text, key string) answer {
	return a.post(ctx, "/douyin/message/action/", withKey(url.Values{"token": {token}, "to_user_id": {id(to)},
		"action_type": {"1"}, "content": {text}}, key))
}

func withKey(q url.Values, key string) url.Values {
	if key != "" {
		q.Set(idempotencyParam, key)
	}
	return q
}

// action is the action_type of a like or follow (true) and of its undoing (false).
func action(on bool) string {
	if on {
		return "1"
	}
	return "2"
}
