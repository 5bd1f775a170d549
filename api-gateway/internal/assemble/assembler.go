// Package assemble builds the objects the phone sees (User, Video, ...) from the services that
// own their parts. Every page is assembled from batch calls made in parallel, so the number of
// RPCs of a page does not depend on its length.
package assemble

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"simpletiktok/api-gateway/internal/merge"
	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/kitex_gen/user"
)

// Clients are the services' clients: their own (Services) for writes, and the reads (Reads),
// merged across the pages assembled at the same moment.
type Clients struct {
	merge.Services
	Reads *merge.Reads
}

// Media turns storage keys into absolute URLs under the public base URL.
type Media struct{ base string }

// Paths under which the gateway serves media and its built-in images.
const (
	MediaPath     = "/media/"
	DefaultAvatar = "/static/avatar.png"
	DefaultCover  = "/static/cover.jpg"
)

// NewMedia returns the URL builder for publicBaseURL (e.g. "http://127.0.0.1:8080").
func NewMedia(publicBaseURL string) Media {
	return Media{base: strings.TrimRight(publicBaseURL, "/")}
}

// URL is the absolute URL of key, or of the fallback path when key is empty.
func (m Media) URL(key, fallback string) string {
	if key == "" {
		return m.base + fallback
	}
	return m.base + MediaPath + strings.TrimLeft(key, "/")
}

// Assembler assembles pages.
type Assembler struct {
	c     Clients
	media Media
	log   *slog.Logger
	zone  *time.Location // where comment dates are shown
	// profiles keeps the profiles pages have shown: they never change (docs/architecture.md
	// allows the gateway to keep such facts, never counts or flags).
	profiles *cache.Local[int64, *user.User]
}

// Option sets something of the assembler other than its dependencies.
type Option func(*Assembler)

// defaultZone is Asia/Shanghai's offset (no daylight saving since 1991), for an assembler built
// without CommentZone.
var defaultZone = time.FixedZone("CST", 8*60*60)

// CommentZone shows comment dates ("MM-DD") in loc.
func CommentZone(loc *time.Location) Option {
	return func(a *Assembler) {
		if loc != nil {
			a.zone = loc
		}
	}
}

// KeepProfiles keeps up to n user profiles in memory, so that a page asks the user service only
// for those it has not shown before. 0 (the default) keeps none.
func KeepProfiles(n int) Option {
	return func(a *Assembler) { a.profiles = cache.NewLocal[int64, *user.User](n) }
}

// New returns an assembler over the clients.
func New(c Clients, media Media, log *slog.Logger, opts ...Option) *Assembler {
	a := &Assembler{c: c, media: media, log: log, zone: defaultZone}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Media returns the URL builder the assembler uses.
func (a *Assembler) Media() Media { return a.media }

// chunks splits s into runs of at most idbatch.Max, the most ids a service takes in one batch
// call. A page is one batch; only a list longer than that (a follower list of a popular user, say)
// is split, into batches made in parallel.
func chunks[T any](s []T) [][]T {
	out := make([][]T, 0, len(s)/idbatch.Max+1)
	for len(s) > idbatch.Max {
		out = append(out, s[:idbatch.Max])
		s = s[idbatch.Max:]
	}
	return append(out, s)
}

// inParallel calls fn on every part at once and returns the results in the order of the parts.
func inParallel[P, R any](ctx context.Context, parts []P, fn func(context.Context, P) (R, error)) ([]R, error) {
	out := make([]R, len(parts))
	g, gctx := errgroup.WithContext(ctx)
	for i, part := range parts {
		g.Go(func() (err error) {
			out[i], err = fn(gctx, part)
			return err
		})
	}
	return out, g.Wait()
}

// concat joins the parts' results in order.
func concat[T any](parts [][]T) []T {
	var n int
	for _, p := range parts {
		n += len(p)
	}
	out := make([]T, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
