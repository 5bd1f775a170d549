// Package coalescetest helps tests hold a merged call and watch the queries queue behind it.
package coalescetest

import (
	"testing"
	"time"

	"simpletiktok/pkg/coalesce"
)

// Queued waits, for up to 5 s, until b holds n queries waiting for a lane, and fails t if it never
// does.
func Queued[Q, A any](t testing.TB, b *coalesce.Batcher[Q, A], n int) {
	t.Helper()
	for range 5000 {
		if b.Waiting() == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("the queue never held %d queries", n)
}
