package chaos

import (
	"context"
	"fmt"
	"time"
)

const (
	// lockHold is how long the comments table stays write-locked: well past the gateway's
	// timeout for a comment post (client.rpc_timeout, 3 s), as in the 12 s case.
	lockHold = 8 * time.Second
	// lateCommit is how long after the lock's release a write that was going to commit late
	// has surely done so: the statement waiting on the lock runs at once.
	lateCommit = 2 * time.Second
)

// lockComments write-locks the comments table from a connection of its own while a comment is
// posted. The post must be answered "timed out" before the lock goes, must not appear once the
// lock is released, and its retry with the same idempotency key must be stored once.
func (s *suite) lockComments() fault {
	var (
		probeWrite *Write
		text, key  string
		first      answer
	)
	post := func() answer {
		phase := s.stats.Phase()
		ans := s.api.comment(context.Background(), s.w.users[2].Token, s.w.videos[1], text, key)
		s.ledger.Record(probeWrite, attemptOf(ans, phase))
		return ans
	}
	return fault{
		name: fmt.Sprintf("lock comments table %s", lockHold),
		inject: func(ctx context.Context, r *result) (time.Time, error) {
			db, err := s.db.open(s.schema("comment"))
			if err != nil {
				return time.Time{}, err
			}
			defer db.Close()
			conn, err := db.Conn(ctx)
			if err != nil {
				return time.Time{}, err
			}
			defer conn.Close()
			if _, err := conn.ExecContext(ctx, "LOCK TABLES comments WRITE"); err != nil {
				return time.Time{}, fmt.Errorf("LOCK TABLES comments WRITE: %w", err)
			}
			locked := time.Now()
			text = fmt.Sprintf("chaos %s comment posted under a lock", s.run)
			key = fmt.Sprintf("chaos-%s-lock", s.run)
			probeWrite = s.ledger.Begin(KindComment, text, true, s.stats.Phase())
			first = post()
			r.check("a post held by the lock answers 10007 timed out while the lock holds",
				first.Code == codeTimedOut && time.Since(locked) < lockHold, "answered %s", first.describe())
			time.Sleep(time.Until(locked.Add(lockHold)))
			if _, err := conn.ExecContext(ctx, "UNLOCK TABLES"); err != nil {
				return time.Time{}, fmt.Errorf("UNLOCK TABLES: %w", err)
			}
			return time.Now(), nil
		},
		after: func(ctx context.Context, r *result, _ []sample, _, back time.Time) {
			if probeWrite == nil {
				return
			}
			time.Sleep(time.Until(back.Add(lateCommit)))
			n, err := s.countComments(ctx, text)
			r.check("the timed-out post did not take effect after the release", err == nil && (first.outcome() != Failed || n == 0),
				"%d row(s) %s after the release%s", n, lateCommit, errDetail(err))
			again := post()
			n, err = s.countComments(ctx, text)
			r.check("its retry with the same idempotency key is stored once", err == nil && again.ok() && n == 1,
				"retry answered %s; %d row(s)%s", again.describe(), n, errDetail(err))
		},
	}
}

// countComments counts the rows of the comments table holding text.
func (s *suite) countComments(ctx context.Context, text string) (int, error) {
	db, err := s.db.open(s.schema("comment"))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM comments WHERE content = ?", text).Scan(&n)
	return n, err
}

func errDetail(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprintf(" (%v)", err)
}
