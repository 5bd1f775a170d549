// Package backoff spaces out the retries of something that keeps failing: the first retry comes
// quickly, each next one waits twice as long up to a ceiling, and a success starts over.
package backoff

import "time"

// Backoff hands out the waits before successive retries. The zero value is not usable: set Min
// and Max. It is not safe for concurrent use; each retry loop owns one.
type Backoff struct {
	Min, Max time.Duration
	next     time.Duration
}

// Next returns the wait before the next retry: Min, then twice the previous wait, never more
// than Max.
func (b *Backoff) Next() time.Duration {
	if b.next < b.Min {
		b.next = b.Min
	}
	d := min(b.next, b.Max)
	b.next = min(2*d, b.Max)
	return d
}

// Reset makes the next wait Min again, after the thing retried has worked for a while.
func (b *Backoff) Reset() { b.next = 0 }
