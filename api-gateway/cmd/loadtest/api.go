package main

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

// api makes the seeding calls through the gateway's public HTTP API, as the phone does.
type api struct {
	base   string
	client *http.Client
}

// account is a seeded user. The token stays in memory: it is never printed.
type account struct {
	ID    int64
	Token string
}

// envelope is the part of every answer the seeding reads.
type envelope struct {
	StatusCode int64  `json:"status_code"`
	StatusMsg  string `json:"status_msg"`
	UserID     int64  `json:"user_id"`
	Token      string `json:"token"`
	VideoList  []struct {
		ID    int64  `json:"id"`
		Title string `json:"title"`
	} `json:"video_list"`
}

// call sends one request and decodes its answer; an answer that is not ok is an error naming the
// path and the gateway's status message (never the query, which carries a token or a password).
func (a *api) call(ctx context.Context, method, path string, query url.Values, body io.Reader, contentType string) (envelope, error) {
	var env envelope
	req, err := http.NewRequestWithContext(ctx, method, a.base+path+"?"+query.Encode(), body)
	if err != nil {
		return env, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return env, fmt.Errorf("%s %s: %s", method, path, errorKind(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return env, fmt.Errorf("%s %s: reading the answer: %s", method, path, errorKind(err))
	}
	if !okAnswer(resp.StatusCode, raw) {
		_ = json.Unmarshal(raw, &env)
		err := fmt.Errorf("%s %s: %s: %q", method, path, failureReason(resp.StatusCode, raw, nil), env.StatusMsg)
		if env.StatusCode == statusBusy || env.StatusCode == statusRateLimited {
			err = &shedError{err}
		}
		return env, err
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return env, fmt.Errorf("%s %s: the answer is not the contract's JSON: %v", method, path, err)
	}
	return env, nil
}

// The gateway's answers to load it sheds (pkg/errno): too busy (the in-flight cap, or more
// uploads at once than media.max_tool_runs) and rate limited. The call was not made, so it is
// always safe to send again.
const (
	statusBusy        = 10008
	statusRateLimited = 10009
)

// shedError is an answer the gateway gave without doing the work (statusBusy, statusRateLimited).
type shedError struct{ error }

func (e *shedError) Unwrap() error { return e.error }

// Retries of the seeding: a failure is tried again up to maxFailures times in all; a shed answer,
// which means "come back later", up to maxShed times (about a minute of waiting at most).
const (
	maxFailures = 3
	maxShed     = 60
)

// retry runs fn until it succeeds, a little apart each time: a stack under seeding load may refuse
// a call that succeeds a moment later. It gives up after maxFailures failures, or maxShed shed
// answers, and returns the last error.
func retry(ctx context.Context, fn func() error) error {
	var err error
	failures, shed := 0, 0
	for {
		if err = fn(); err == nil || ctx.Err() != nil {
			return err
		}
		var s *shedError
		if errors.As(err, &s) {
			shed++
		} else {
			failures++
		}
		if failures >= maxFailures || shed >= maxShed {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(retryWait(s != nil, failures)):
		}
	}
}

// retryWait is the pause before the next attempt: longer after each failure; half a second to a
// second after a shed answer, spread so that the callers it turned away do not come back at once.
var retryWait = func(shed bool, failures int) time.Duration {
	if shed {
		return time.Duration(500+rand.IntN(500)) * time.Millisecond
	}
	return time.Duration(failures) * 200 * time.Millisecond
}

// register creates the user, or logs in when an earlier attempt created it but its answer was lost.
func (a *api) register(ctx context.Context, name, password string) (account, error) {
	q := url.Values{"username": {name}, "password": {password}}
	var acc account
	first := true
	err := retry(ctx, func() error {
		path := "/douyin/user/register/"
		if !first {
			if env, err := a.call(ctx, http.MethodPost, "/douyin/user/login/", q, nil, ""); err == nil {
				acc = account{ID: env.UserID, Token: env.Token}
				return nil
			}
		}
		first = false
		env, err := a.call(ctx, http.MethodPost, path, q, nil, "")
		if err == nil {
			acc = account{ID: env.UserID, Token: env.Token}
		}
		return err
	})
	return acc, err
}

// publish uploads clip with title as the owner of token.
func (a *api) publish(ctx context.Context, token, title string, clip []byte) error {
	return retry(ctx, func() error {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		_ = w.WriteField("token", token)
		_ = w.WriteField("title", title)
		part, err := w.CreateFormFile("data", "clip.mp4")
		if err != nil {
			return err
		}
		if _, err := part.Write(clip); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		_, err = a.call(ctx, http.MethodPost, "/douyin/publish/action/", url.Values{}, &body, w.FormDataContentType())
		return err
	})
}

// publishList answers the ids of user's videos, newest first.
func (a *api) publishList(ctx context.Context, token string, user int64) ([]int64, error) {
	var ids []int64
	err := retry(ctx, func() error {
		env, err := a.call(ctx, http.MethodGet, "/douyin/publish/list/",
			url.Values{"token": {token}, "user_id": {strconv.FormatInt(user, 10)}}, nil, "")
		ids = ids[:0]
		for _, v := range env.VideoList {
			ids = append(ids, v.ID)
		}
		return err
	})
	return ids, err
}

// action sends one write whose parameters are all in the query string (like, follow, comment,
// message).
func (a *api) action(ctx context.Context, path string, query url.Values) error {
	return retry(ctx, func() error {
		_, err := a.call(ctx, http.MethodPost, path, query, nil, "")
		return err
	})
}
