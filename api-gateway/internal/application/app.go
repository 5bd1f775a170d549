// Package application carries out the gateway's use cases: register, publish, show a feed page,
// comment, follow... Each method takes parameters the handlers have already read and checked,
// makes the service calls the use case needs, and has every object the phone sees assembled by
// internal/assemble. It knows nothing of HTTP; the handlers know nothing of the services.
//
// Errors come back as pkg/errno errors (a service's business code unchanged; a call that failed
// on the way is errno.ServiceUnavailable or errno.Timeout for a read, and for a write
// errno.ServiceUnavailable only when it certainly was not sent, errno.OutcomeUnknown when it may
// have been carried out), for the handlers to render.
package application

import (
	"context"
	"log/slog"
	"time"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/media"
	"simpletiktok/pkg/coalesce"
	"simpletiktok/pkg/config"
	"simpletiktok/pkg/rpc"
)

// Issuer signs a token naming a user, of the user's token version; the gateway is the only
// issuer.
type Issuer interface {
	Issue(userID, version int64) (string, error)
}

// Media stores a checked upload under new keys, and removes stored media again.
type Media interface {
	Import(ctx context.Context, file *media.Spooled) (media.Stored, error)
	Remove(ctx context.Context, s media.Stored)
}

// Events hears of every business event that happened (metrics.Business counts them): an action
// the services accepted, or a login refused for its credentials.
type Events interface {
	Registered()
	LoggedIn(ok bool)
	Published()
	Liked(like bool)
	Commented(post bool)
	Followed(follow bool)
	MessageSent()
}

// App is the gateway's use cases over the six services.
type App struct {
	clients assemble.Clients
	pages   *assemble.Assembler
	tokens  Issuer
	media   Media
	events  Events
	log     *slog.Logger
	now     func() time.Time
	// newest, when set, shares the newest feed page, as anyone sees it, among the requests that
	// ask for it at the same moment, each query its viewer (0: anonymous; ShareNewestFeed).
	newest *coalesce.Batcher[int64, feedPage]
	// timeouts are the calls' timeouts by service (WriteBudgets); a write and its resend share its
	// service's write timeout.
	timeouts func(service string) (read, write time.Duration)
}

// Option sets something of the use cases other than their dependencies.
type Option func(*App)

// New returns the use cases over their dependencies.
func New(clients assemble.Clients, pages *assemble.Assembler, tokens Issuer, media Media, events Events, log *slog.Logger, opts ...Option) *App {
	a := &App{clients: clients, pages: pages, tokens: tokens, media: media, events: events, log: log, now: time.Now,
		timeouts: func(string) (time.Duration, time.Duration) { return config.DefaultReadTimeout, defaultWriteBudget }}
	for _, o := range opts {
		o(a)
	}
	return a
}

// defaultWriteBudget is a write's budget when WriteBudgets is not given: client.rpc_timeout's
// default.
const defaultWriteBudget = 3 * time.Second

// WriteBudgets gives each write the time its service's calls have (config.Client.Timeouts): the
// first sending and, when its outcome is unknown, the resend share it.
func WriteBudgets(timeouts func(service string) (read, write time.Duration)) Option {
	return func(a *App) { a.timeouts = timeouts }
}

// write runs call, a write to service, and says its outcome truthfully (rpc.Write): an idempotent
// write whose outcome is unknown is sent once more within the same budget.
func write[T any](ctx context.Context, a *App, service string, idem rpc.Idempotency, call func(context.Context) (T, error)) (T, error) {
	_, budget := a.timeouts(service)
	return rpc.Write(ctx, budget, idem, call)
}
