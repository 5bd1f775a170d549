package main

import (
	"math/rand/v2"
)

// sizes are how much data the seeding writes through the API.
type sizes struct {
	Users, Videos, Likes, Follows, Comments, Messages int
}

// pair is an ordered pair of indexes: (user, video) for a like or a comment, (follower, followee)
// for a follow, (sender, receiver) for a message.
type pair struct{ A, B int }

// plan is the seed data as indexes into the seeded users and videos, drawn from a fixed seed so
// that two runs with the same sizes have the same shape. Indexes become ids once the users and
// videos exist.
type plan struct {
	sizes
	Authors  []int // Authors[v] is the user index of video v's author
	Likes    []pair
	Follows  []pair // every friend pair is in here both ways
	Friends  []pair // mutual follows, each once with A < B
	Comments []pair
	Messages []pair
}

// newPlan draws the seed data. Half of the follows are mutual, so that friend lists and chats have
// content; a size larger than the possible distinct pairs is cut to what is possible.
func newPlan(s sizes, seed uint64) plan {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	p := plan{sizes: s}
	authors := max(1, s.Users/2)
	for v := range s.Videos {
		p.Authors = append(p.Authors, v%authors)
	}
	if s.Users == 0 {
		return p
	}
	p.Likes = distinctPairs(r, s.Likes, s.Users, s.Videos, false, nil)
	if s.Users > 1 {
		friends := distinctPairs(r, s.Follows/4, s.Users, s.Users, true, nil)
		taken := map[pair]bool{}
		for _, f := range friends {
			if f.A > f.B {
				f = pair{f.B, f.A}
			}
			if taken[f] {
				continue
			}
			taken[f], taken[pair{f.B, f.A}] = true, true
			p.Friends = append(p.Friends, f)
			p.Follows = append(p.Follows, f, pair{f.B, f.A})
		}
		p.Follows = append(p.Follows, distinctPairs(r, s.Follows-len(p.Follows), s.Users, s.Users, true, taken)...)
	}
	if s.Videos > 0 {
		for range s.Comments {
			p.Comments = append(p.Comments, pair{r.IntN(s.Users), r.IntN(s.Videos)})
		}
	}
	if len(p.Friends) > 0 {
		for range s.Messages {
			f := p.Friends[r.IntN(len(p.Friends))]
			if r.IntN(2) == 0 {
				f = pair{f.B, f.A}
			}
			p.Messages = append(p.Messages, f)
		}
	}
	return p
}

// distinctPairs draws up to n distinct pairs from [0,as) x [0,bs), none of them in taken (which it
// extends), and none with A == B when noSelf is set.
func distinctPairs(r *rand.Rand, n, as, bs int, noSelf bool, taken map[pair]bool) []pair {
	if taken == nil {
		taken = map[pair]bool{}
	}
	possible := as * bs
	if noSelf {
		possible -= min(as, bs)
	}
	n = min(n, possible-len(taken))
	var out []pair
	// Random draws suit sparse sets (the seed is); a dense request falls back to a full scan.
	for tries := 0; len(out) < n && tries < 20*n; tries++ {
		p := pair{r.IntN(as), r.IntN(bs)}
		if taken[p] || noSelf && p.A == p.B {
			continue
		}
		taken[p] = true
		out = append(out, p)
	}
	for a := 0; a < as && len(out) < n; a++ {
		for b := 0; b < bs && len(out) < n; b++ {
			p := pair{a, b}
			if !taken[p] && !(noSelf && a == b) {
				taken[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// freshPairs draws up to n distinct pairs that are not in used, for writes that are undone at once
// (like then unlike, follow then unfollow), so that the write load leaves the seed as it was.
func freshPairs(seed uint64, n, as, bs int, noSelf bool, used []pair) []pair {
	taken := make(map[pair]bool, len(used))
	for _, u := range used {
		taken[u] = true
	}
	r := rand.New(rand.NewPCG(seed, ^seed))
	return distinctPairs(r, n, as, bs, noSelf, taken)
}
