package media

import (
	"context"
	"os"
	"time"

	"golang.org/x/sync/semaphore"

	"simpletiktok/pkg/errno"
)

// spoolChunk is the unit in which a spool file takes budget, before it writes the bytes: the
// spool never holds more than its budgets.
const spoolChunk = 1 << 20

// spoolWait bounds the wait for budget. Meanwhile the upload's body is not read (TCP holds the
// client back); then the upload is refused, so a full spool costs a client a few seconds at most.
const spoolWait = 3 * time.Second

var (
	errSpoolFull      = errno.Busy.WithMsg("the server is receiving too many uploads at once, please try again in a moment")
	errUnverifiedFull = errno.Busy.WithMsg("too many uploads are waiting for their token: send the token before the file, or try again in a moment")
)

// spoolBudget is what the spool files may hold, in bytes: all of them, and those written before
// their upload's token was known. A nil semaphore does not bound.
type spoolBudget struct {
	all, unverified *semaphore.Weighted
	wait            time.Duration // spoolWait; tests shorten it
}

func newBudget(bytes int64) *semaphore.Weighted {
	if bytes <= 0 {
		return nil
	}
	return semaphore.NewWeighted(bytes)
}

// chargedFile is a spool file that takes budget for its bytes before writing them, and gives it
// back at release.
type chargedFile struct {
	f             *os.File
	budget        spoolBudget
	unverified    bool // the file came before its upload's token
	held, written int64
}

func (c *chargedFile) Write(p []byte) (int, error) {
	for c.written+int64(len(p)) > c.held {
		if err := c.take(); err != nil {
			return 0, err
		}
	}
	n, err := c.f.Write(p)
	c.written += int64(n)
	return n, err
}

// take takes one more chunk of each budget the file draws on, waiting up to spoolWait.
func (c *chargedFile) take() error {
	ctx, cancel := context.WithTimeout(context.Background(), c.budget.wait)
	defer cancel()
	if c.unverified && !acquire(ctx, c.budget.unverified) {
		return errUnverifiedFull
	}
	if !acquire(ctx, c.budget.all) {
		if c.unverified {
			release(c.budget.unverified, spoolChunk)
		}
		return errSpoolFull
	}
	c.held += spoolChunk
	return nil
}

// release gives the budget back; the file must be gone or going.
func (c *chargedFile) release() {
	release(c.budget.all, c.held)
	if c.unverified {
		release(c.budget.unverified, c.held)
	}
	c.held = 0
}

func acquire(ctx context.Context, s *semaphore.Weighted) bool {
	return s == nil || s.Acquire(ctx, spoolChunk) == nil
}

func release(s *semaphore.Weighted, n int64) {
	if s != nil && n > 0 {
		s.Release(n)
	}
}
