package chaos

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"sync"
	"time"
)

// probeEvery is how often the prober runs a round during a fault: the resolution of the outage
// and recovery times.
const probeEvery = 250 * time.Millisecond

// probe is one request of a round; check says why its answer is not what a working stack gives
// ("" when it is).
type probe struct {
	name  string
	send  func(ctx context.Context) answer
	check func(answer) string
}

// Probe names. Each service probe needs its service to answer; the feed is the page that must
// survive a decorating service's absence.
const (
	probeUser     = "user"     // profile page: user
	probeVideo    = "video"    // publish list: video (the page that lists a user's videos)
	probeFavorite = "favorite" // favorite list: favorite (the page that lists liked videos)
	probeComment  = "comment"  // comment list: comment
	probeRelation = "relation" // follow list: relation
	probeMessage  = "message"  // chat: message
	probeFeed     = "feed"     // logged-in feed
)

// sample is one round of probes: each probe's failure reason, absent when it answered well.
type sample struct {
	at, end time.Time
	failed  map[string]string
}

func (s sample) ok() bool { return len(s.failed) == 0 }

// okFor reports whether every named probe answered well in this round.
func (s sample) okFor(names []string) bool {
	for _, n := range names {
		if _, bad := s.failed[n]; bad {
			return false
		}
	}
	return true
}

// describe names the failed probes of the round (those named in only, when given), e.g.
// "favorite: 10004 ...".
func (s sample) describe(only ...string) string {
	names := make([]string, 0, len(s.failed))
	for n := range s.failed {
		if len(only) == 0 || slices.Contains(only, n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := ""
	for i, n := range names {
		if i > 0 {
			out += "; "
		}
		out += n + ": " + s.failed[n]
	}
	return out
}

// newProbes builds the probes of a seeded world, as a logged-in user who liked videos sees it.
func newProbes(a *api, w *world) []probe {
	viewer := w.users[w.likedBy]
	q := func(kv ...string) url.Values {
		v := url.Values{"token": {viewer.Token}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	get := func(path string, query url.Values) func(context.Context) answer {
		return func(ctx context.Context) answer { return a.get(ctx, path, query) }
	}
	chatQuery := url.Values{"token": {w.users[0].Token}, "to_user_id": {id(w.users[1].ID)}, "pre_msg_time": {fmt.Sprint(w.since)}}
	return []probe{
		{probeUser, get("/douyin/user/", q("user_id", id(w.users[0].ID))), wantOK},
		{probeVideo, get("/douyin/publish/list/", q("user_id", id(w.users[0].ID))), wantVideos},
		{probeFavorite, get("/douyin/favorite/list/", q("user_id", id(viewer.ID))), wantVideos},
		{probeComment, get("/douyin/comment/list/", q("video_id", id(w.videos[0]))), func(a answer) string {
			if r := wantOK(a); r != "" || len(a.Body.CommentList) > 0 {
				return r
			}
			return "status 0 without the seeded comment"
		}},
		{probeRelation, get("/douyin/relation/follow/list/", q("user_id", id(w.users[w.follower].ID))), func(a answer) string {
			if r := wantOK(a); r != "" || len(a.Body.UserList) > 0 {
				return r
			}
			return "status 0 without the seeded follow"
		}},
		{probeMessage, get("/douyin/message/chat/", chatQuery), wantOK},
		{probeFeed, get("/douyin/feed/", q()), wantVideos},
	}
}

func wantOK(a answer) string {
	if a.ok() {
		return ""
	}
	return a.describe()
}

// wantVideos wants status 0 and a page that is not empty: every probed page has seeded videos.
func wantVideos(a answer) string {
	if r := wantOK(a); r != "" || len(a.Body.VideoList) > 0 {
		return r
	}
	return "status 0 with no video"
}

// round runs every probe at once and waits for all of them.
func round(ctx context.Context, probes []probe) sample {
	s := sample{at: time.Now(), failed: map[string]string{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range probes {
		wg.Go(func() {
			if reason := p.check(p.send(ctx)); reason != "" {
				mu.Lock()
				s.failed[p.name] = reason
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	s.end = time.Now()
	return s
}

// prober runs rounds every probeEvery in the background and keeps their samples.
type prober struct {
	mu      sync.Mutex
	samples []sample
	cancel  context.CancelFunc
	done    chan struct{}
}

func startProber(probes []probe) *prober {
	ctx, cancel := context.WithCancel(context.Background())
	p := &prober{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(probeEvery)
		defer tick.Stop()
		for {
			s := round(context.Background(), probes)
			p.mu.Lock()
			p.samples = append(p.samples, s)
			p.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

// waitOK waits until a round that started at or after since has every probe answering well,
// and returns when that round ended; false after limit.
func (p *prober) waitOK(since time.Time, limit time.Duration) (time.Time, bool) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if at, ok := firstOK(p.snapshot(), since); ok {
			return at, true
		}
		time.Sleep(probeEvery / 5)
	}
	return firstOK(p.snapshot(), since)
}

func (p *prober) snapshot() []sample {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.samples)
}

// stop ends the rounds and returns every sample.
func (p *prober) stop() []sample {
	p.cancel()
	<-p.done
	return p.snapshot()
}

// firstOK finds the first round started at or after since in which every probe answered well,
// and returns when it ended.
func firstOK(samples []sample, since time.Time) (time.Time, bool) {
	for _, s := range samples {
		if !s.at.Before(since) && s.ok() {
			return s.end, true
		}
	}
	return time.Time{}, false
}

// outage sums, over the rounds started in [from, to), the time from each failed round to the
// next round: how long the stack was seen not to serve.
func outage(samples []sample, from, to time.Time) time.Duration {
	var d time.Duration
	for i, s := range samples {
		if s.at.Before(from) || !s.at.Before(to) || s.ok() {
			continue
		}
		next := s.end
		if i+1 < len(samples) {
			next = samples[i+1].at
		}
		if next.After(to) {
			next = to
		}
		d += next.Sub(s.at)
	}
	return d
}

// held counts the rounds started in [from, to) and those in which one of names failed, with the
// first such failure.
func held(samples []sample, from, to time.Time, names []string) (rounds, bad int, first string) {
	for _, s := range samples {
		if s.at.Before(from) || !s.at.Before(to) {
			continue
		}
		rounds++
		if !s.okFor(names) {
			bad++
			if first == "" {
				first = s.describe(names...)
			}
		}
	}
	return rounds, bad, first
}
