package db

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// A deadlock victim is run again; any other failure is returned at once; retries are bounded.
func TestRetry(t *testing.T) {
	ctx := context.Background()
	calls := 0
	err := retry(ctx, func() error {
		calls++
		if calls < 3 {
			return fmt.Errorf("insert: %w", &mysql.MySQLError{Number: 1213, Message: "Deadlock found"})
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("retry = %v after %d calls; want success after 3", err, calls)
	}

	calls = 0
	other := &mysql.MySQLError{Number: 1146, Message: "no such table"}
	if err := retry(ctx, func() error { calls++; return other }); !errors.Is(err, other) || calls != 1 {
		t.Fatalf("retry = %v after %d calls; want the error after 1", err, calls)
	}

	calls = 0
	if err := retry(ctx, func() error { calls++; return &mysql.MySQLError{Number: 1205} }); !retryable(err) || calls != maxTxAttempts {
		t.Fatalf("endless lock waits: %v after %d calls; want the error after %d", err, calls, maxTxAttempts)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	calls = 0
	if err := retry(cancelled, func() error { calls++; return &mysql.MySQLError{Number: 1213} }); !errors.Is(err, context.Canceled) || calls != 1 {
		t.Fatalf("retry after cancel = %v after %d calls; want context.Canceled after 1", err, calls)
	}
}
