// Package fakes stands in for the six services in the gateway's unit tests (the assembler, the
// application layer and the handlers): one Backend answers every Kitex client from rules and
// data the test sets, counts every call and keeps the last request of each method, and fails a
// method on demand. The services' own behaviour is tested against the real services (services/*
// and the e2e suite), never here.
//
// Only tests may import this package (imports_test.go checks that no other file does).
package fakes

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/cloudwego/kitex/pkg/kerrors"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/merge"
	"simpletiktok/pkg/coalesce"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/kitex_gen/message"
	"simpletiktok/pkg/kitex_gen/video"
)

// The rules of the fake world, for the tests to reason about:
//   - every user id exists, named "u<id>", except ids MissingFrom to MissingTo;
//   - user id has follow_count 10·id, follower_count 100·id, favorite_count 1, total_favorited
//     id, work_count 3; a viewer follows every even id;
//   - video id has favorite_count 2·id and comment_count id+1; a (non-anonymous) viewer likes
//     every even id; MGetVideos knows ids below MissingFrom, written by AuthorOf(id) = id%7+1, and answers them in
//     the reverse of the order asked (so callers must keep their own order);
//   - the latest message with an even peer exists: sent by the viewer to peers divisible by 4,
//     received from the others;
//   - a batch call with more than idbatch.Max ids is refused, as the services refuse it.
const (
	MissingFrom = 1000
	MissingTo   = 2000
)

// PostedAt (epoch ms) is the creation time of every posted comment: 2024-03-09 20:00 UTC, which
// is already March 10th in Asia/Shanghai (the default zone of comment dates).
const PostedAt int64 = 1_710_014_400_000

// Answers of the fixed-id writes.
const (
	RegisteredID = 7  // user.Register and user.Login answer this user id
	PostedID     = 55 // comment.PostComment answers this comment id
	PublishedID  = 9  // video.Publish answers this video id
)

// Backend is the six fake services. Set its data fields before the calls start; change failures
// with Fail at any time.
type Backend struct {
	// Works are the videos of each author (video.ListByAuthor).
	Works map[int64][]*video.Video
	// FeedVideos is the feed page (video.Feed); next_time is the oldest one's publish time.
	FeedVideos []*video.Video
	// Liked is every user's like list (favorite.ListFavorites), newest first.
	Liked []int64
	// Comments is every video's comment list (comment.ListComments).
	Comments []*comment.Comment
	// Relations is every user's follow, follower and friend list (relation.List*).
	Relations []int64
	// ChatMessages is every conversation (message.Chat).
	ChatMessages []*message.Message

	mu    sync.Mutex
	calls map[string]int // a read that takes a list of queries: each query (each)
	sent  map[string]int // such a read: each call
	last  map[string]any
	fail  map[string]error
	next  map[string][]error // FailNext: the errors of the method's next calls, in order
	holds map[string]*hold
}

// hold keeps the calls of a method waiting until released.
type hold struct {
	entered chan struct{}
	release chan struct{}
}

// New returns a backend with no data and no failures.
func New() *Backend {
	return &Backend{calls: map[string]int{}, sent: map[string]int{}, last: map[string]any{}, fail: map[string]error{}, next: map[string][]error{}}
}

// Clients are the clients of the six services, all answered by b. Their reads have a lane for
// every query a test makes at once, so each query goes in a call of its own, as a page's queries
// do at low load; how queries merge is internal/merge's tests' subject (MergedBy).
func (b *Backend) Clients() assemble.Clients {
	return b.MergedBy(coalesce.Config{Limits: coalesce.Limits{Lanes: 1000, MaxQueries: idbatch.MaxQueries}})
}

// MergedBy is Clients with the reads merged within cfg's limits.
func (b *Backend) MergedBy(cfg coalesce.Config) assemble.Clients {
	s := merge.Services{User: users{b}, Video: videos{b}, Favorite: favorites{b}, Comment: comments{b},
		Relation: relations{b}, Message: messages{b}}
	return assemble.Clients{Services: s, Reads: merge.NewReads(s, cfg)}
}

// Fail makes method ("video.CountWorks") answer err from now on; a nil err makes it answer again.
func (b *Backend) Fail(method string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil {
		delete(b.fail, method)
		return
	}
	b.fail[method] = err
}

// FailNext makes the next len(errs) calls of method answer errs, one each in order; the calls
// after them answer as before. A call cut off after its service carried it out is one that
// answers a transport error here (fakes.Cut) and is recorded all the same.
func (b *Backend) FailNext(method string, errs ...error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next[method] = append(b.next[method], errs...)
}

// Cut is the error of a call whose connection dropped after it was sent: its outcome is unknown.
func Cut() error {
	return kerrors.ErrRemoteOrNetwork.WithCause(errors.New("connection reset by peer"))
}

// Calls is the number of calls of method; for a read that takes a list of queries, the number of
// queries asked (Sent: of calls).
func (b *Backend) Calls(method string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls[method]
}

// Last is the last request of method (for a read that takes a list of queries, the last query),
// or nil.
func (b *Backend) Last(method string) any {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last[method]
}

// Total is the number of calls of all methods.
func (b *Backend) Total() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, c := range b.calls {
		n += c
	}
	return n
}

// CallCounts is a copy of the calls made so far, by method, for failure messages.
func (b *Backend) CallCounts() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]int, len(b.calls))
	for m, n := range b.calls {
		out[m] = n
	}
	return out
}

// Reset forgets the calls made so far (not the failures).
func (b *Backend) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls, b.sent, b.last = map[string]int{}, map[string]int{}, map[string]any{}
}

// Hold makes the calls of method wait from now on, each announcing itself on entered when it
// starts waiting, until release is called; then they answer as usual. It plays a slow service.
func (b *Backend) Hold(method string) (entered <-chan struct{}, release func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := &hold{entered: make(chan struct{}, 100), release: make(chan struct{})}
	if b.holds == nil {
		b.holds = map[string]*hold{}
	}
	b.holds[method] = h
	var once sync.Once
	return h.entered, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.holds, method)
			b.mu.Unlock()
			close(h.release)
		})
	}
}

// record counts a call, waits while the method is held, and returns the failure set for it.
func (b *Backend) record(method string, req any) error {
	b.mu.Lock()
	b.calls[method]++
	b.last[method] = req
	h, err := b.holds[method], b.fail[method]
	if next := b.next[method]; len(next) > 0 {
		err, b.next[method] = next[0], next[1:]
	}
	b.mu.Unlock()
	if h != nil {
		h.entered <- struct{}{}
		<-h.release
	}
	return err
}

// BizErr is the error a service answers with a business code, as Kitex delivers it.
func BizErr(e *errno.Error) error { return kerrors.NewBizStatusError(e.Code, e.Msg) }

// Unreachable is the error of a call that reached no service.
func Unreachable() error {
	return kerrors.ErrNoMoreInstance.WithCause(errors.New("no instance of the service"))
}

// Tokens accepts "u<id>" as the token of user id, and issues that.
type Tokens struct{}

// Verify returns the id a "u<id>" token names.
func (Tokens) Verify(_ context.Context, tok string) (int64, error) {
	rest, ok := strings.CutPrefix(tok, "u")
	id, err := strconv.ParseInt(rest, 10, 64)
	if !ok || err != nil || id <= 0 {
		return 0, fmt.Errorf("bad token %q", tok)
	}
	return id, nil
}

// Issue returns "u<id>", whatever the version.
func (Tokens) Issue(id, _ int64) (string, error) { return fmt.Sprint("u", id), nil }

// each answers the queries of a read one by one with answer, recording each as a call of method:
// Calls counts the queries pages ask, however they were merged (Sent counts the calls). The first
// error fails the call, as a service's does; so does a call of no query or of more than
// idbatch.MaxQueries.
func each[Q, A any](b *Backend, method string, queries []Q, answer func(Q) (A, error)) ([]A, error) {
	b.mu.Lock()
	b.sent[method]++
	b.mu.Unlock()
	if n := len(queries); n == 0 || n > idbatch.MaxQueries {
		return nil, BizErr(errno.BadRequest.WithMsg("%d queries", n))
	}
	answers := make([]A, 0, len(queries))
	for _, q := range queries {
		if err := b.record(method, q); err != nil {
			return nil, err
		}
		a, err := answer(q)
		if err != nil {
			return nil, err
		}
		answers = append(answers, a)
	}
	return answers, nil
}

// Sent is the number of calls of method as they were sent: a call of a read that takes a list of
// queries counts once, however many queries it carries.
func (b *Backend) Sent(method string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sent[method]
}
