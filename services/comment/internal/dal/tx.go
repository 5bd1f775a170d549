package dal

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// maxAttempts bounds how often a transaction that InnoDB chose as a deadlock victim is run again.
const maxAttempts = 8

// inTx runs fn in a READ COMMITTED transaction and runs it again when InnoDB aborts it for a
// deadlock or a lock wait timeout. Deadlocks cannot all be ordered away: two inserts of one key (a
// unique row, or a counter row that the first upserts create) that both wait on a third
// transaction deadlock inside InnoDB. A victim's transaction was rolled back whole, so running fn
// again is safe. READ COMMITTED takes no gap locks on plain reads, which keeps such victims rare;
// the counters stay exact because every change to them is an atomic `x = x + d` on a locked row.
func inTx(ctx context.Context, gdb *gorm.DB, fn func(tx *gorm.DB) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = gdb.WithContext(ctx).Transaction(fn, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
		if err == nil || !retryable(err) || attempt == maxAttempts {
			return err
		}
		// A short random pause keeps the transactions that collided from colliding again in step.
		pause := time.Duration(attempt) * time.Duration(1+rand.IntN(5)) * time.Millisecond
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(pause):
		}
	}
}

// retryable reports a deadlock (1213) or a lock wait timeout (1205).
func retryable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}
