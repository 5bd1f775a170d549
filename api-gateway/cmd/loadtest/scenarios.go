package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
)

// scenario is one endpoint under load: a name for the table and the requests to cycle through.
type scenario struct {
	name    string
	targets []target
}

// Names of the rows; the open loop drives the logged-in feed.
const (
	nameCeiling  = "ceiling: bare Hertz, canned 30-video feed"
	nameFeedUser = "feed, logged in"
)

// builder makes the requests of every scenario from the seeded data, with random but repeatable
// callers and subjects. Every request is valid: a non-ok answer is the stack's failure.
type builder struct {
	base     string
	d        *seeded
	r        *rand.Rand
	variants int
	err      error
}

func (b *builder) add(list *[]target, method, path string, q url.Values) {
	t, err := newTarget(method, b.base, path, q)
	if err != nil && b.err == nil {
		b.err = err
	}
	*list = append(*list, t)
}

// many makes b.variants requests of path, query(i) giving each one's parameters.
func (b *builder) many(method, path string, query func(i int) url.Values) []target {
	var list []target
	for i := range b.variants {
		b.add(&list, method, path, query(i))
	}
	return list
}

func (b *builder) user() account { return b.d.users[b.r.IntN(len(b.d.users))] }

// The writes that stay (comments, messages) go where the reads do not read: comments under the
// second half of the videos, messages between the second half of the friend pairs, while the
// comment lists and chats read are those of the first halves. A comment list or a chat is the
// whole list, so otherwise every run's writes would lengthen the next run's reads.
func (b *builder) readVideo() int64    { return pick(b.r, read(b.d.videos)) }
func (b *builder) writtenVideo() int64 { return pick(b.r, written(b.d.videos)) }

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// read and written are the halves of s the reads and the writes that stay use; with fewer than
// two elements both are s.
func read[T any](s []T) []T {
	if len(s) < 2 {
		return s
	}
	return s[:(len(s)+1)/2]
}

func written[T any](s []T) []T {
	if len(s) < 2 {
		return s
	}
	return s[(len(s)+1)/2:]
}

// pairOf picks one of pairs, or any two distinct users when the seed made none.
func (b *builder) pairOf(pairs []pair) pair {
	if len(pairs) == 0 {
		a := b.r.IntN(len(b.d.users))
		return pair{a, (a + 1) % len(b.d.users)}
	}
	return pairs[b.r.IntN(len(pairs))]
}

// scenarios builds the read endpoints, then the writes. Writes that can be undone alternate the
// write and its undo on pairs the seed did not make, so the seed stays as it was.
func newScenarios(base string, d *seeded, variants int, seed uint64) ([]scenario, error) {
	b := &builder{base: base, d: d, r: rand.New(rand.NewPCG(seed, seed+1)), variants: variants}
	p := d.plan
	tok := func(a account) string { return a.Token }
	reads := []scenario{
		{"feed, anonymous", b.many(http.MethodGet, "/douyin/feed/", func(int) url.Values { return url.Values{} })},
		{nameFeedUser, b.many(http.MethodGet, "/douyin/feed/", func(int) url.Values {
			return url.Values{"token": {tok(b.user())}}
		})},
		{"user info", b.many(http.MethodGet, "/douyin/user/", func(int) url.Values {
			return url.Values{"token": {tok(b.user())}, "user_id": {id(b.user().ID)}}
		})},
		{"publish list", b.many(http.MethodGet, "/douyin/publish/list/", func(int) url.Values {
			author := d.users[d.videoAuthor[b.r.IntN(len(d.videoAuthor))]]
			return url.Values{"token": {tok(b.user())}, "user_id": {id(author.ID)}}
		})},
		{"favorite list", b.many(http.MethodGet, "/douyin/favorite/list/", func(int) url.Values {
			return url.Values{"token": {tok(b.user())}, "user_id": {id(d.users[b.pairOf(p.Likes).A].ID)}}
		})},
		{"comment list", b.many(http.MethodGet, "/douyin/comment/list/", func(int) url.Values {
			return url.Values{"token": {tok(b.user())}, "video_id": {id(b.readVideo())}}
		})},
		{"follow list", b.many(http.MethodGet, "/douyin/relation/follow/list/", func(int) url.Values {
			return url.Values{"token": {tok(b.user())}, "user_id": {id(d.users[b.pairOf(p.Follows).A].ID)}}
		})},
		{"follower list", b.many(http.MethodGet, "/douyin/relation/follower/list/", func(int) url.Values {
			return url.Values{"token": {tok(b.user())}, "user_id": {id(d.users[b.pairOf(p.Follows).B].ID)}}
		})},
		// The phone shows the caller's own friends (with the latest message of each chat).
		{"friend list", b.many(http.MethodGet, "/douyin/relation/friend/list/", func(int) url.Values {
			me := d.users[b.pairOf(p.Friends).A]
			return url.Values{"token": {me.Token}, "user_id": {id(me.ID)}}
		})},
		{"chat poll", b.many(http.MethodGet, "/douyin/message/chat/", func(int) url.Values {
			f := b.pairOf(read(p.Friends))
			return url.Values{"token": {d.users[f.A].Token}, "to_user_id": {id(d.users[f.B].ID)},
				"pre_msg_time": {id(d.done)}}
		})},
	}
	likes := freshPairs(seed+2, b.variants/2, len(d.users), len(d.videos), false, videoPairs(p.Likes, len(d.videos)))
	follows := freshPairs(seed+3, b.variants/2, len(d.users), len(d.users), true, p.Follows)
	writes := []scenario{
		{"like/unlike", b.undoable("/douyin/favorite/action/", likes, func(q pair) url.Values {
			return url.Values{"token": {d.users[q.A].Token}, "video_id": {id(d.videos[q.B])}}
		})},
		{"follow/unfollow", b.undoable("/douyin/relation/action/", follows, func(q pair) url.Values {
			return url.Values{"token": {d.users[q.A].Token}, "to_user_id": {id(d.users[q.B].ID)}}
		})},
		{"comment post", b.many(http.MethodPost, "/douyin/comment/action/", func(i int) url.Values {
			return url.Values{"token": {tok(b.user())}, "video_id": {id(b.writtenVideo())}, "action_type": {"1"},
				"comment_text": {fmt.Sprintf("load test comment under load %d %s", i, stampMark)}}
		})},
		{"message send", b.many(http.MethodPost, "/douyin/message/action/", func(i int) url.Values {
			f := b.pairOf(written(p.Friends))
			return url.Values{"token": {d.users[f.A].Token}, "to_user_id": {id(d.users[f.B].ID)},
				"action_type": {"1"}, "content": {fmt.Sprintf("load test message under load %d %s", i, stampMark)}}
		})},
	}
	return append(reads, writes...), b.err
}

// undoable makes, for each pair, the write (action_type 1) followed by its undo (action_type 2).
func (b *builder) undoable(path string, pairs []pair, query func(q pair) url.Values) []target {
	var list []target
	for _, q := range pairs {
		for _, action := range []string{"1", "2"} {
			v := query(q)
			v.Set("action_type", action)
			b.add(&list, http.MethodPost, path, v)
		}
	}
	return list
}

// videoPairs maps planned (user, video) pairs onto the seeded videos, as the seeding did.
func videoPairs(pairs []pair, videos int) []pair {
	out := make([]pair, len(pairs))
	for i, q := range pairs {
		out[i] = pair{q.A, q.B % videos}
	}
	return out
}

// selectScenarios keeps the scenarios whose name contains one of the comma-separated words of
// only (all of them when only is empty).
func selectScenarios(all []scenario, only string) []scenario {
	if strings.TrimSpace(only) == "" {
		return all
	}
	var kept []scenario
	for _, s := range all {
		for _, w := range strings.Split(only, ",") {
			if w = strings.TrimSpace(w); w != "" && strings.Contains(s.name, w) {
				kept = append(kept, s)
				break
			}
		}
	}
	return kept
}
