package metrics

import "github.com/prometheus/client_golang/prometheus"

// Business counts the events an operator watches the product by. Each method is safe on a nil
// *Business (it does nothing), so code under test needs no registry.
type Business struct {
	registrations prometheus.Counter
	logins        *prometheus.CounterVec // result: ok, failed
	publishes     prometheus.Counter
	likes         *prometheus.CounterVec // action: like, unlike
	comments      *prometheus.CounterVec // action: post, delete
	follows       *prometheus.CounterVec // action: follow, unfollow
	messages      prometheus.Counter
	degraded      *prometheus.CounterVec // page
	rateLimited   *prometheus.CounterVec // route
	pages         *guard
	routes        *guard
}

// NewBusiness registers the business counters on reg. Every series that has a fixed set of
// label values starts at zero, so that a rate over it exists before the first event.
func NewBusiness(reg prometheus.Registerer) (*Business, error) {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help})
	}
	vec := func(name, help, label string, values ...string) *prometheus.CounterVec {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, []string{label})
		for _, val := range values {
			v.WithLabelValues(val)
		}
		return v
	}
	b := &Business{
		registrations: counter("registrations_total", "Accounts created."),
		logins:        vec("logins_total", "Login attempts, by result (ok, failed).", "result", "ok", "failed"),
		publishes:     counter("publishes_total", "Videos published."),
		likes:         vec("likes_total", "Like and unlike actions that succeeded, by action.", "action", "like", "unlike"),
		comments:      vec("comments_total", "Comments posted and deleted, by action.", "action", "post", "delete"),
		follows:       vec("follows_total", "Follow and unfollow actions that succeeded, by action.", "action", "follow", "unfollow"),
		messages:      counter("messages_total", "Chat messages sent."),
		degraded: vec("degraded_pages_total",
			"Pages answered without some decoration (counts, flags) because a service failed, by page.", "page"),
		rateLimited: vec("rate_limited_requests_total", "Requests refused by a rate limit, by route template.", "route"),
		pages:       newGuard(50),
		routes:      newGuard(100),
	}
	err := register(reg, b.registrations, b.logins, b.publishes, b.likes, b.comments, b.follows, b.messages,
		b.degraded, b.rateLimited)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Registered counts a new account.
func (b *Business) Registered() {
	if b != nil {
		b.registrations.Inc()
	}
}

// LoggedIn counts a login attempt.
func (b *Business) LoggedIn(ok bool) {
	if b != nil {
		b.logins.WithLabelValues(pick(ok, "ok", "failed")).Inc()
	}
}

// Published counts a published video.
func (b *Business) Published() {
	if b != nil {
		b.publishes.Inc()
	}
}

// Liked counts a like (true) or an unlike (false).
func (b *Business) Liked(like bool) {
	if b != nil {
		b.likes.WithLabelValues(pick(like, "like", "unlike")).Inc()
	}
}

// Commented counts a comment posted (true) or deleted (false).
func (b *Business) Commented(post bool) {
	if b != nil {
		b.comments.WithLabelValues(pick(post, "post", "delete")).Inc()
	}
}

// Followed counts a follow (true) or an unfollow (false).
func (b *Business) Followed(follow bool) {
	if b != nil {
		b.follows.WithLabelValues(pick(follow, "follow", "unfollow")).Inc()
	}
}

// MessageSent counts a chat message.
func (b *Business) MessageSent() {
	if b != nil {
		b.messages.Inc()
	}
}

// Degraded counts a page served without some of its decoration; page names the page kind
// (feed, user, video list...), never an id.
func (b *Business) Degraded(page string) {
	if b != nil {
		b.degraded.WithLabelValues(b.pages.value(page)).Inc()
	}
}

// RateLimited counts a request refused by a rate limit, by route template.
func (b *Business) RateLimited(route string) {
	if b != nil {
		b.rateLimited.WithLabelValues(b.routes.value(route)).Inc()
	}
}

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}
