package db

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// A deadlock victim is run again; any other failure is returned at once; retries are bounded.
// Every retry is announced to again, with the number of the attempt to come; the last failure is
// not (it is returned).
func TestRetry(t *testing.T) {
	ctx := context.Background()
	var announced []int
	again := func(_ error, next int) { announced = append(announced, next) }

	calls := 0
	err := retry(ctx, func() error {
		calls++
		if calls < 3 {
			return fmt.Errorf("insert: %w", &mysql.MySQLError{Number: 1213, Message: "Deadlock found"})
		}
		return nil
	}, again)
	if err != nil || calls != 3 || fmt.Sprint(announced) != "[2 3]" {
		t.Fatalf("retry = %v after %d calls, retries announced %v; want success after 3, [2 3]", err, calls, announced)
	}

	calls, announced = 0, nil
	overtaken := errors.New("another transaction inserted the key first")
	err = retry(ctx, func() error {
		calls++
		if calls == 1 {
			return Retry(fmt.Errorf("insert: %w", overtaken))
		}
		return nil
	}, again)
	if err != nil || calls != 2 || fmt.Sprint(announced) != "[2]" {
		t.Fatalf("retry after Retry = %v after %d calls, %v announced; want success after 2", err, calls, announced)
	}
	if !errors.Is(Retry(overtaken), overtaken) {
		t.Fatal("Retry hides the error it marks")
	}

	calls, announced = 0, nil
	other := &mysql.MySQLError{Number: 1146, Message: "no such table"}
	if err := retry(ctx, func() error { calls++; return other }, again); !errors.Is(err, other) || calls != 1 || announced != nil {
		t.Fatalf("retry = %v after %d calls, %v announced; want the error after 1, none announced", err, calls, announced)
	}

	calls, announced = 0, nil
	if err := retry(ctx, func() error { calls++; return &mysql.MySQLError{Number: 1205} }, again); !retryable(err) || calls != maxTxAttempts {
		t.Fatalf("endless lock waits: %v after %d calls; want the error after %d", err, calls, maxTxAttempts)
	}
	if len(announced) != maxTxAttempts-1 {
		t.Fatalf("%d retries announced; want %d", len(announced), maxTxAttempts-1)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	calls = 0
	if err := retry(cancelled, func() error { calls++; return &mysql.MySQLError{Number: 1213} }, again); !errors.Is(err, context.Canceled) || calls != 0 {
		t.Fatalf("retry after cancel = %v after %d calls; want context.Canceled and no attempt", err, calls)
	}

	// The deadline passes during an attempt that InnoDB aborted: no attempt follows.
	ending, end := context.WithCancel(ctx)
	calls = 0
	err = retry(ending, func() error { calls++; end(); return &mysql.MySQLError{Number: 1213} }, again)
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Fatalf("retry whose context ended during an attempt = %v after %d calls; want context.Canceled after 1", err, calls)
	}
}

func TestTuples(t *testing.T) {
	if got := Tuples(1, 2); got != "(?, ?)" {
		t.Fatalf("Tuples(1, 2) = %q", got)
	}
	if got := Tuples(3, 3); got != "(?, ?, ?), (?, ?, ?), (?, ?, ?)" {
		t.Fatalf("Tuples(3, 3) = %q", got)
	}
}
