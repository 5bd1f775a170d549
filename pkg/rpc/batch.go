package rpc

import (
	"context"
	"log/slog"

	"golang.org/x/sync/errgroup"

	"simpletiktok/pkg/idbatch"
)

// eachAtOnce is how many queries of a batch Each answers at once.
const eachAtOnce = 8

// Each answers the queries of a batch method (video.ListByAuthorBatch, say) with one, the handler
// of the single method, for up to eachAtOnce queries at once: answers[i] answers queries[i]. A
// batch of no query or of more than idbatch.MaxQueries is refused, and the first error fails the
// batch: the gateway sends only queries it has checked, so an error is the service's own, which
// every query would meet. one's errors are a handler's (ServerError), returned as they are.
func Each[Q, A any](ctx context.Context, log *slog.Logger, queries []Q, one func(context.Context, Q) (A, error)) ([]A, error) {
	if err := idbatch.CheckQueries(len(queries)); err != nil {
		return nil, ServerError(ctx, log, err)
	}
	answers := make([]A, len(queries))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(eachAtOnce)
	for i, q := range queries {
		g.Go(func() (err error) {
			answers[i], err = one(gctx, q)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return answers, nil
}
