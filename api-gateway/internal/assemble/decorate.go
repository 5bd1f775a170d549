package assemble

import (
	"context"

	"golang.org/x/sync/errgroup"

	"simpletiktok/api-gateway/internal/degrade"
)

// A page needs its rows (profiles, videos); counts and flags are decoration. Every batch call of
// a page is one or the other, and each kind is started in its own way, so that what a failure
// does to the page is decided in one place per kind:
//
//   - a rows call fails the page (there is nothing to show without it);
//   - a decorating call's failure keeps the page, with that call's counts and flags at zero, and
//     is noted in the request's report (internal/degrade: a log line, span tags and a metric), as
//     docs/architecture.md asks under "Failure".

// decorate runs a decorating call in g. fn must leave its results untouched when it fails, so
// that the page shows zero values rather than half an answer.
func (a *Assembler) decorate(ctx context.Context, g *errgroup.Group, call string, fn func(context.Context) error) {
	g.Go(func() error {
		if err := fn(ctx); err != nil {
			degrade.Note(ctx, a.log, call, err)
		}
		return nil
	})
}
