package assemble

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// A page needs its rows (profiles, videos); counts and flags are decoration. Every batch call of
// a page is one or the other, and each kind is started in its own way, so that what a failure
// does to the page is decided in one place per kind:
//
//   - a rows call fails the page (there is nothing to show without it);
//   - a decorating call's failure goes to the assembler's DecorationPolicy.
//
// The assembler's default is FailPage; the gateway runs with internal/degrade's Keep, which keeps
// the page with the failed call's counts and flags at zero and has the request report it (a log
// line, span tags and a metric), as docs/architecture.md asks under "Failure".

// DecorationPolicy decides what a failed decorating call does to its page. call names the call
// ("favorite.Stats"); err is the call's error as merge.Read.Do says it. Returning err
// fails the page; returning nil keeps it, with the call's counts and flags at their zero values.
type DecorationPolicy func(ctx context.Context, call string, err error) error

// FailPage fails the page with its decoration: no page is shown with a count that may be wrong.
func FailPage(_ context.Context, _ string, err error) error { return err }

// WithDecorationPolicy replaces FailPage, the default policy.
func WithDecorationPolicy(p DecorationPolicy) Option {
	return func(a *Assembler) {
		if p != nil {
			a.decorationFailed = p
		}
	}
}

// decorate runs a decorating call in g. fn must leave its results untouched when it fails, so
// that a page kept by the policy shows zero values rather than half an answer.
func (a *Assembler) decorate(ctx context.Context, g *errgroup.Group, call string, fn func(context.Context) error) {
	g.Go(func() error {
		if err := fn(ctx); err != nil {
			return a.decorationFailed(ctx, call, err)
		}
		return nil
	})
}
