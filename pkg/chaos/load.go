package chaos

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"
)

// Paces of the bounded load: about 16 writes and 10 reads a second in all, enough to have writes
// in flight at every fault and little enough for a shared two-core machine.
const (
	likeEvery    = 200 * time.Millisecond
	followEvery  = 330 * time.Millisecond
	commentEvery = 200 * time.Millisecond
	messageEvery = 330 * time.Millisecond
	readEvery    = 100 * time.Millisecond
	// postAttempts and postRetryAfter bound the retries of a comment or message post that was
	// not acknowledged; each retry carries the first attempt's idempotency key.
	postAttempts   = 3
	postRetryAfter = 500 * time.Millisecond
)

// world is what the seeding made.
type world struct {
	users  []account
	videos []int64 // videos[i] was published by users[i]
	// likedBy is a user whose favorite list holds seeded videos; follower follows users[0].
	likedBy, follower int
	// since is when the seeding ended (ms): chat probes ask for newer messages only.
	since int64
}

// toggle is a key a writer sets and unsets: a like (user, video) or a follow (user, user).
type toggle struct {
	user   int   // index of the acting user
	target int64 // video id or user id
}

// load runs the writers and the reader until its context ends.
type load struct {
	api    *api
	w      *world
	ledger *Ledger
	stats  *Stats
	run    string // names this run's texts and idempotency keys
	wg     sync.WaitGroup
}

// start begins the writers and the reader; stop them by ending ctx, then wait.
func (l *load) start(ctx context.Context) {
	var likes, follows []toggle
	for u := range 4 {
		for _, v := range l.w.videos {
			likes = append(likes, toggle{u, v})
		}
		for t := range 4 {
			if t != u && !(u == 0 && t == 1) { // users[0] -> users[1] is seeded
				follows = append(follows, toggle{u, l.w.users[t].ID})
			}
		}
	}
	l.goEvery(ctx, likeEvery, l.toggler(KindLike, likes))
	l.goEvery(ctx, followEvery, l.toggler(KindFollow, follows))
	l.goEvery(ctx, commentEvery, l.poster(KindComment))
	l.goEvery(ctx, messageEvery, l.poster(KindMessage))
	l.goEvery(ctx, readEvery, l.reader())
}

// wait returns once every writer has finished its last write (each ends by itself: a request is
// bounded by the client's timeout and a post by postAttempts).
func (l *load) wait() { l.wg.Wait() }

// goEvery runs step(i) for i = 0, 1, ... at most once per period, until ctx ends. A step in
// progress when ctx ends is finished: cutting a write short would only make its outcome unknown.
func (l *load) goEvery(ctx context.Context, period time.Duration, step func(i int)) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		tick := time.NewTicker(period)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			step(i)
		}
	}()
}

// toggler sets and unsets keys in turn: the n-th write of a key asks for it present when n is
// even. One goroutine writes all of them, so the ledger holds each key's writes in order.
func (l *load) toggler(kind Kind, keys []toggle) func(i int) {
	return func(i int) {
		k := keys[i%len(keys)]
		on := (i/len(keys))%2 == 0
		user := l.w.users[k.user]
		phase := l.stats.Phase()
		w := l.ledger.Begin(kind, pairKey(user.ID, k.target), on, phase)
		var ans answer
		if kind == KindLike {
			ans = l.api.like(context.Background(), user.Token, k.target, on)
		} else {
			ans = l.api.follow(context.Background(), user.Token, k.target, on)
		}
		l.ledger.Record(w, attemptOf(ans, phase))
		l.stats.Record(phase, verb(kind, on), ans)
	}
}

// poster posts the i-th comment (or message) with a text and an idempotency key of its own, and
// retries it with the same key while it is not acknowledged.
func (l *load) poster(kind Kind) func(i int) {
	return func(i int) {
		text := fmt.Sprintf("chaos %s %s %d", l.run, kind, i)
		key := fmt.Sprintf("chaos-%s-%s-%d", l.run, kind, i)
		l.post(kind, text, l.sender(kind, i, text, key))
	}
}

// sender sends the i-th comment (on the i-th video, as the i-th user) or message (from one of the
// first four users to one of the next four) with text and idempotency key (none when empty).
func (l *load) sender(kind Kind, i int, text, key string) func() answer {
	return func() answer {
		if kind == KindComment {
			user := l.w.users[i%len(l.w.users)]
			return l.api.comment(context.Background(), user.Token, l.w.videos[i%len(l.w.videos)], text, key)
		}
		from, to := l.w.users[i%4], l.w.users[4+i%4]
		return l.api.message(context.Background(), from.Token, to.ID, text, key)
	}
}

// post sends one logical post with up to postAttempts attempts, recording each.
func (l *load) post(kind Kind, text string, send func() answer) answer {
	w := l.ledger.Begin(kind, text, true, l.stats.Phase())
	var ans answer
	for attempt := range postAttempts {
		if attempt > 0 {
			time.Sleep(postRetryAfter)
		}
		phase := l.stats.Phase()
		ans = send()
		l.ledger.Record(w, attemptOf(ans, phase))
		l.stats.Record(phase, string(kind)+" post", ans)
		if ans.ok() {
			break
		}
	}
	return ans
}

// reader polls what a phone shows most: the logged-in feed, a favorite list and a comment list.
func (l *load) reader() func(i int) {
	viewer := l.w.users[len(l.w.users)-1]
	return func(i int) {
		phase := l.stats.Phase()
		var ans answer
		var what string
		switch i % 3 {
		case 0:
			what, ans = "feed", l.api.get(context.Background(), "/douyin/feed/", url.Values{"token": {viewer.Token}})
		case 1:
			what, ans = "favorite list", l.api.get(context.Background(), "/douyin/favorite/list/", url.Values{"token": {viewer.Token}, "user_id": {id(l.w.users[l.w.likedBy].ID)}})
		default:
			what, ans = "comment list", l.api.get(context.Background(), "/douyin/comment/list/", url.Values{"token": {viewer.Token}, "video_id": {id(l.w.videos[0])}})
		}
		l.stats.Record(phase, what, ans)
	}
}

// verb names a toggle write for the report: like, unlike, follow, unfollow.
func verb(kind Kind, on bool) string {
	if on {
		return string(kind)
	}
	return "un" + string(kind)
}

// pairKey names a like (user:video) or a follow (follower:followee) in the ledger.
func pairKey(a, b int64) string { return fmt.Sprintf("%d:%d", a, b) }
