// Package apiclient calls a running gateway's public HTTP API as the phone does (the contract's
// parameters in the query string, a multipart body to publish, JSON back), for the programs that
// drive a stack from outside: the load benchmark's seeding (cmd/loadtest) and the demo data
// (cmd/seed). It waits out the answers that mean "come back later" and never puts a token or a
// password in an error.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The gateway's answers to load it sheds (pkg/errno): too busy (the in-flight cap, or more
// uploads at once than media.max_tool_runs) and rate limited. The call was not made, so it is
// always safe to send again.
const (
	StatusBusy        = 10008
	StatusRateLimited = 10009
)

// Attempts of one call: a shed answer is waited out up to MaxShed times (about a minute); a
// failure is tried again, up to MaxFailures attempts in all, only when the call may be repeated
// (see Client.RepeatWrites).
const (
	MaxFailures = 3
	MaxShed     = 60
)

// Client calls the gateway at Base.
type Client struct {
	Base string       // e.g. http://127.0.0.1:8080
	HTTP *http.Client // nil: one with a 30 s timeout
	// RepeatWrites sends a write again after a failure whose outcome is unknown (a lost answer,
	// an error status), as reads always are: a benchmark's seeding, which a duplicate comment does
	// not harm, wants it; a program that must not write twice leaves it off.
	RepeatWrites bool
	// Backoff is the pause before the next attempt, after a shed answer or after the failures-th
	// failure; nil: DefaultBackoff.
	Backoff func(shed bool, failures int) time.Duration
}

// DefaultBackoff waits longer after each failure, and half a second to a second after a shed
// answer, spread so that the callers it turned away do not come back at once.
func DefaultBackoff(shed bool, failures int) time.Duration {
	if shed {
		return time.Duration(500+rand.IntN(500)) * time.Millisecond
	}
	return time.Duration(failures) * 200 * time.Millisecond
}

// Account is a user the gateway issued a token to. The token is a credential: never print it.
type Account struct {
	ID    int64
	Token string
}

// Error is a call that did not succeed: a transport error, an HTTP status other than 200, or a
// non-zero status_code. It names the method and path only, never the query (which carries a
// token or a password).
type Error struct {
	Method, Path string
	HTTPStatus   int    // 0 after a transport error
	Code         int64  // the answer's status_code
	Msg          string // the answer's status_msg
	Err          error  // the transport error, if that is what happened
}

func (e *Error) Error() string {
	switch {
	case e.Err != nil:
		return fmt.Sprintf("%s %s: %v", e.Method, e.Path, e.Err)
	case e.HTTPStatus != http.StatusOK:
		return fmt.Sprintf("%s %s: HTTP %d", e.Method, e.Path, e.HTTPStatus)
	}
	return fmt.Sprintf("%s %s: status_code %d: %q", e.Method, e.Path, e.Code, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Shed reports whether the gateway turned the call away without making it (StatusBusy,
// StatusRateLimited).
func (e *Error) Shed() bool {
	return e.HTTPStatus == http.StatusOK && (e.Code == StatusBusy || e.Code == StatusRateLimited)
}

// Refused reports whether err is an answer of the gateway with a business error: the call was
// made and said no (a wrong password, a duplicate name), as opposed to a transport failure.
func Refused(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Err == nil && e.HTTPStatus == http.StatusOK && e.Code != 0 && !e.Shed()
}

// status is the part of every answer Do checks.
type status struct {
	Code int64  `json:"status_code"`
	Msg  string `json:"status_msg"`
}

// body makes a request's body afresh for each attempt, with its content type.
type body func() (io.Reader, string, error)

// Get sends GET path?query and decodes the answer into out (nil: the status only).
func (c *Client) Get(ctx context.Context, path string, query url.Values, out any) error {
	return c.do(ctx, http.MethodGet, path, query, nil, true, out)
}

// Post sends POST path?query with an empty body, as the phone sends every write but a publish,
// and decodes the answer into out (nil: the status only).
func (c *Client) Post(ctx context.Context, path string, query url.Values, out any) error {
	return c.do(ctx, http.MethodPost, path, query, nil, c.RepeatWrites, out)
}

// accountAnswer is what a register and a login answer.
type accountAnswer struct {
	UserID int64  `json:"user_id"`
	Token  string `json:"token"`
}

// Login logs in as name.
func (c *Client) Login(ctx context.Context, name, password string) (Account, error) {
	var a accountAnswer
	err := c.Post(ctx, "/douyin/user/login/", url.Values{"username": {name}, "password": {password}}, &a)
	return Account{ID: a.UserID, Token: a.Token}, err
}

// Register creates the user name. With RepeatWrites, an attempt after a failure first tries to
// log in: an earlier attempt may have created the user and lost its answer.
func (c *Client) Register(ctx context.Context, name, password string) (Account, error) {
	query := url.Values{"username": {name}, "password": {password}}
	var a accountAnswer
	first := true
	err := c.retry(ctx, c.RepeatWrites, func() error {
		if !first {
			if raw, err := c.send(ctx, http.MethodPost, "/douyin/user/login/", query, nil); err == nil {
				return decode(http.MethodPost, "/douyin/user/login/", raw, &a)
			}
		}
		first = false
		raw, err := c.send(ctx, http.MethodPost, "/douyin/user/register/", query, nil)
		if err != nil {
			return err
		}
		return decode(http.MethodPost, "/douyin/user/register/", raw, &a)
	})
	return Account{ID: a.UserID, Token: a.Token}, err
}

// Publish uploads clip (an MP4) titled title as the owner of token.
func (c *Client) Publish(ctx context.Context, token, title string, clip []byte) error {
	upload := func() (io.Reader, string, error) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		if err := w.WriteField("token", token); err != nil {
			return nil, "", err
		}
		if err := w.WriteField("title", title); err != nil {
			return nil, "", err
		}
		part, err := w.CreateFormFile("data", "clip.mp4")
		if err != nil {
			return nil, "", err
		}
		if _, err := part.Write(clip); err != nil {
			return nil, "", err
		}
		return &buf, w.FormDataContentType(), w.Close()
	}
	return c.do(ctx, http.MethodPost, "/douyin/publish/action/", url.Values{}, upload, c.RepeatWrites, nil)
}

// ID formats an id as the contract's parameters carry it.
func ID(id int64) string { return strconv.FormatInt(id, 10) }

// do sends the call until it succeeds or retry gives up, and decodes the last answer into out.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, b body, repeat bool, out any) error {
	return c.retry(ctx, repeat, func() error {
		raw, err := c.send(ctx, method, path, query, b)
		if err != nil || out == nil {
			return err
		}
		return decode(method, path, raw, out)
	})
}

// decode reads a successful answer into out.
func decode(method, path string, raw []byte, out any) error {
	if err := json.Unmarshal(raw, out); err != nil {
		return &Error{Method: method, Path: path, HTTPStatus: http.StatusOK, Err: fmt.Errorf("the answer is not the contract's JSON: %w", err)}
	}
	return nil
}

// send makes one attempt and returns the body of a successful answer (HTTP 200, status_code 0).
func (c *Client) send(ctx context.Context, method, path string, query url.Values, b body) ([]byte, error) {
	fail := func(err error) error { return &Error{Method: method, Path: path, Err: err} }
	var reqBody io.Reader
	contentType := ""
	if b != nil {
		var err error
		if reqBody, contentType, err = b(); err != nil {
			return nil, fail(err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path+"?"+query.Encode(), reqBody)
	if err != nil {
		return nil, fail(withoutURL(err))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	client := c.HTTP
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fail(withoutURL(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fail(fmt.Errorf("reading the answer: %w", withoutURL(err)))
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &Error{Method: method, Path: path, HTTPStatus: resp.StatusCode}
	}
	var st status
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, &Error{Method: method, Path: path, HTTPStatus: resp.StatusCode, Err: fmt.Errorf("the answer is not the contract's JSON: %w", err)}
	}
	if st.Code != 0 {
		return nil, &Error{Method: method, Path: path, HTTPStatus: resp.StatusCode, Code: st.Code, Msg: st.Msg}
	}
	return raw, nil
}

// withoutURL drops the URL a *url.Error quotes: its query carries a token or a password.
func withoutURL(err error) error {
	var u *url.Error
	if errors.As(err, &u) {
		return u.Err
	}
	return err
}

// retry runs attempt until it succeeds: after a shed answer up to MaxShed times, after another
// failure up to MaxFailures attempts in all when repeat allows, a little apart each time. It
// returns the last error.
func (c *Client) retry(ctx context.Context, repeat bool, attempt func() error) error {
	backoff := c.Backoff
	if backoff == nil {
		backoff = DefaultBackoff
	}
	failures, shed := 0, 0
	for {
		err := attempt()
		if err == nil || ctx.Err() != nil {
			return err
		}
		var e *Error
		isShed := errors.As(err, &e) && e.Shed()
		if isShed {
			shed++
		} else {
			failures++
		}
		if shed >= MaxShed || !isShed && (!repeat || failures >= MaxFailures) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff(isShed, failures)):
		}
	}
}
