package rpc

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/cloudwego/kitex/pkg/kerrors"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
)

func TestEachAnswersInTheOrderAsked(t *testing.T) {
	var running, most atomic.Int32
	queries := make([]int, 40)
	for i := range queries {
		queries[i] = i
	}
	answers, err := Each(context.Background(), slog.New(slog.DiscardHandler), queries, func(_ context.Context, q int) (int, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		return q * q, nil
	})
	if err != nil || len(answers) != len(queries) {
		t.Fatalf("Each = %d answers, %v", len(answers), err)
	}
	for i, a := range answers {
		if a != i*i {
			t.Fatalf("answers[%d] = %d; want %d", i, a, i*i)
		}
	}
	if most.Load() > eachAtOnce {
		t.Fatalf("%d queries ran at once; want at most %d", most.Load(), eachAtOnce)
	}
}

func TestEachFailsTheBatchWithTheFirstErrorAndRefusesBadSizes(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	failed := kerrors.NewBizStatusError(errno.Internal.Code, errno.Internal.Msg)
	_, err := Each(context.Background(), log, []int{1, 2, 3}, func(_ context.Context, q int) (int, error) {
		if q == 2 {
			return 0, failed
		}
		return q, nil
	})
	if !errors.Is(err, failed) {
		t.Fatalf("Each with a failing query = %v; want its error", err)
	}
	for _, n := range []int{0, idbatch.MaxQueries + 1} {
		_, err := Each(context.Background(), log, make([]int, n), func(context.Context, int) (int, error) { return 0, nil })
		var biz kerrors.BizStatusErrorIface
		if !errors.As(err, &biz) || biz.BizStatusCode() != errno.BadRequest.Code {
			t.Fatalf("Each of %d queries = %v; want BadRequest", n, err)
		}
	}
}
