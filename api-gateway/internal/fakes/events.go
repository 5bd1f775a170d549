package fakes

import "sync"

// Events records the business events the application layer reports, by name ("registered",
// "login ok", "login failed", "published", "like", "unlike", "comment posted", "comment deleted",
// "follow", "unfollow", "message").
type Events struct {
	mu   sync.Mutex
	seen map[string]int
}

// Count is how many times event was reported.
func (e *Events) Count(event string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.seen[event]
}

// Total is how many events were reported in all.
func (e *Events) Total() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, c := range e.seen {
		n += c
	}
	return n
}

func (e *Events) note(event string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.seen == nil {
		e.seen = map[string]int{}
	}
	e.seen[event]++
}

func (e *Events) Registered()          { e.note("registered") }
func (e *Events) LoggedIn(ok bool)     { e.note(pick(ok, "login ok", "login failed")) }
func (e *Events) Published()           { e.note("published") }
func (e *Events) Liked(like bool)      { e.note(pick(like, "like", "unlike")) }
func (e *Events) Commented(post bool)  { e.note(pick(post, "comment posted", "comment deleted")) }
func (e *Events) Followed(follow bool) { e.note(pick(follow, "follow", "unfollow")) }
func (e *Events) MessageSent()         { e.note("message") }

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}
