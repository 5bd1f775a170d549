package backoff

import (
	"context"
	"time"
)

// Sleep waits d, or less if ctx ends first; it says whether it waited the whole of d (false: ctx
// ended).
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
