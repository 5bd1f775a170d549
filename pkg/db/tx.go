package db

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"golang.org/x/sync/semaphore"
	"gorm.io/gorm"

	"simpletiktok/pkg/errno"
)

// maxTxAttempts bounds how often a transaction that InnoDB aborted is run again.
const maxTxAttempts = 8

// InTx runs fn in a READ COMMITTED transaction, and runs it again when InnoDB aborts it as a
// deadlock victim or for a lock wait timeout. Lock ordering removes most deadlocks but not all:
// two inserts of one unique key that both wait on a third transaction deadlock inside InnoDB, and
// InnoDB's documented answer is to retry. A victim was rolled back whole, so running fn again is
// safe as long as fn keeps no state across attempts. READ COMMITTED takes no gap locks on plain
// reads, which keeps victims rare; counters stay exact because each change to them is an atomic
// `x = x + d` on a locked row.
//
// fn runs under ctx (the handler's, which ends with the caller's deadline): a statement still
// running when it ends is abandoned and the transaction rolled back, and no attempt starts after
// it. A retry is logged here, as a note: a deadlock victim at debug (expected under contention), a
// lock wait timeout at warn (a transaction held its locks for seconds). The error of the last
// attempt is returned, for the layer that decides what it means to log once.
//
// Transactions wait for their turn first-come first-served (see queueOf), then for a connection.
func InTx(ctx context.Context, gdb *gorm.DB, fn func(tx *gorm.DB) error) error {
	log := loggerOf(gdb)
	if q := queueOf(gdb); q != nil {
		if err := q.Acquire(ctx, 1); err != nil {
			return err // the caller's time ended in the queue: nothing was done
		}
		defer q.Release(1)
	}
	return retry(ctx, func() error {
		committing := false
		err := gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := fn(tx); err != nil {
				return err
			}
			committing = true
			return nil
		}, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
		return commitOutcome(committing, err)
	}, func(err error, next int) {
		level := slog.LevelDebug
		if lockWaitTimeout(err) {
			level = slog.LevelWarn
		}
		log.Log(ctx, level, "transaction aborted by InnoDB, running it again",
			"attempt", next, "of", maxTxAttempts, "error", err)
	})
}

// commitOutcome is the error of a transaction whose function returned nil (committing) and whose
// commit then failed with err. An error the server answered (a MySQLError: a deadlock found at
// commit, say) means it rolled back; anything else (the connection lost, the context ended while
// COMMIT was on its way) leaves the commit's outcome unknown: the server may have committed and
// its reply been lost. That is errno.OutcomeUnknown, for the caller to say so rather than
// "failed".
func commitOutcome(committing bool, err error) error {
	var me *mysql.MySQLError
	if err == nil || !committing || errors.As(err, &me) {
		return err
	}
	return &commitUnknown{err: err}
}

// commitUnknown is a commit whose reply was lost: errno.OutcomeUnknown, with its cause.
type commitUnknown struct{ err error }

func (c *commitUnknown) Error() string   { return "commit outcome unknown: " + c.err.Error() }
func (c *commitUnknown) Unwrap() []error { return []error{errno.OutcomeUnknown, c.err} }

// queues holds the transaction queue of each pool Open made (*sql.DB -> *semaphore.Weighted), as
// many places as the pool has connections. database/sql hands a freed connection to a random
// waiter, so when hundreds of writes wait for ten connections some wait many times longer than the
// rest, past their deadline; a queue in front of the pool, which semaphore.Weighted serves in
// order, bounds every write's wait by the number ahead of it.
var queues sync.Map

// queueOf is the transaction queue of gdb's pool, or nil for a pool Open did not make.
func queueOf(gdb *gorm.DB) *semaphore.Weighted {
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil
	}
	q, _ := queues.Load(sqlDB)
	w, _ := q.(*semaphore.Weighted)
	return w
}

// retry runs attempt until it succeeds, fails for a reason a retry cannot fix, has run
// maxTxAttempts times, or ctx has ended (the caller's deadline: an attempt started after it would
// be work the caller no longer waits for); before each new attempt it calls again with the error
// and its number.
func retry(ctx context.Context, attempt func() error, again func(err error, next int)) error {
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := attempt()
		if err == nil || !retryable(err) || n == maxTxAttempts {
			return err
		}
		again(err, n+1)
		// A short random pause keeps the transactions that collided from colliding again in step.
		pause := time.Duration(n) * time.Duration(1+rand.IntN(5)) * time.Millisecond
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(pause):
		}
	}
}

// retryable reports a deadlock victim (1213), a lock wait timeout (1205) or an attempt marked to
// run again (Retry).
func retryable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205) || errors.As(err, new(*again))
}

// again is an error a transaction's function returns to be run again (Retry).
type again struct{ err error }

func (a *again) Error() string { return a.err.Error() }
func (a *again) Unwrap() error { return a.err }

// Retry marks err as the failure of an attempt that another transaction overtook (it inserted a
// key first, say): InTx runs the transaction again, as it does after a deadlock.
func Retry(err error) error { return &again{err: err} }

func lockWaitTimeout(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1205
}

// Tuples is n SQL row constructors of width placeholders each, "(?, ?), (?, ?)", for a multi-row
// VALUES or a "(a, b) IN (…)" over a composite key (which MariaDB reads as a range of the key).
func Tuples(n, width int) string {
	one := "(" + strings.Repeat("?, ", width-1) + "?)"
	return strings.Repeat(one+", ", n-1) + one
}
