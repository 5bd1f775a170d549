package main

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"simpletiktok/api-gateway/apiclient"
)

// api makes the seeding calls through the gateway's public HTTP API, as the phone does
// (apiclient). A failed call is sent again, writes included: a duplicate does not harm a
// benchmark's data, and a stack under seeding load may refuse a call that succeeds a moment later.
type api struct {
	base   string
	client *http.Client
}

// account is a seeded user (an apiclient.Account). The token stays in memory: it is never printed.
type account struct {
	ID    int64
	Token string
}

// How often the seeding tries one call: apiclient's bounds.
const (
	maxFailures = apiclient.MaxFailures
	maxShed     = apiclient.MaxShed
)

// retryWait is the pause before the next attempt (a variable, so that a test need not wait).
var retryWait = apiclient.DefaultBackoff

func (a *api) gateway() *apiclient.Client {
	return &apiclient.Client{Base: a.base, HTTP: a.client, RepeatWrites: true,
		Backoff: func(shed bool, failures int) time.Duration { return retryWait(shed, failures) }}
}

// register creates the user, or logs in when an earlier attempt created it but its answer was lost.
func (a *api) register(ctx context.Context, name, password string) (account, error) {
	acc, err := a.gateway().Register(ctx, name, password)
	return account(acc), err
}

// publish uploads clip with title as the owner of token.
func (a *api) publish(ctx context.Context, token, title string, clip []byte) error {
	return a.gateway().Publish(ctx, token, title, clip)
}

// publishList answers the ids of user's videos, newest first.
func (a *api) publishList(ctx context.Context, token string, user int64) ([]int64, error) {
	var page struct {
		VideoList []struct {
			ID int64 `json:"id"`
		} `json:"video_list"`
	}
	err := a.gateway().Get(ctx, "/douyin/publish/list/", url.Values{"token": {token}, "user_id": {apiclient.ID(user)}}, &page)
	ids := make([]int64, 0, len(page.VideoList))
	for _, v := range page.VideoList {
		ids = append(ids, v.ID)
	}
	return ids, err
}

// action sends one write whose parameters are all in the query string (like, follow, comment,
// message).
func (a *api) action(ctx context.Context, path string, query url.Values) error {
	return a.gateway().Post(ctx, path, query, nil)
}
