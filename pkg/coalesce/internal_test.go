package coalesce

import (
	"context"
	"testing"
	"time"
)

func TestTheMergedCallLastsAsLongAsItsLatestCaller(t *testing.T) {
	soon, cancelSoon := context.WithTimeout(context.Background(), time.Minute)
	defer cancelSoon()
	later, cancelLater := context.WithTimeout(context.Background(), time.Hour)
	defer cancelLater()
	batch := []*waiter[int, int]{{ctx: soon}, {ctx: later}}
	ctx, cancel := callContext(batch)
	defer cancel()
	if d, ok := ctx.Deadline(); !ok || !d.Equal(mustDeadline(later)) {
		t.Fatalf("deadline = %v, %v; want the later caller's", d, ok)
	}
	cancelSoon()
	if ctx.Err() != nil {
		t.Fatal("the first caller's cancellation ended the call the others wait for")
	}
	batch = append(batch, &waiter[int, int]{ctx: context.Background()})
	ctx, cancel = callContext(batch)
	defer cancel()
	if _, ok := ctx.Deadline(); ok {
		t.Fatal("a caller without a deadline is in the call, yet the call has one")
	}
}

func mustDeadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}
