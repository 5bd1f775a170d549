package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"testing"

	"github.com/go-sql-driver/mysql"

	"simpletiktok/pkg/errno"
)

// A commit that failed without the server's word (the connection lost, the context ended while
// COMMIT was on its way) may have committed: its outcome is unknown. A failure before the commit,
// or an error the server answered, rolled back.
func TestCommitOutcome(t *testing.T) {
	deadlock := &mysql.MySQLError{Number: 1213, Message: "Deadlock found"}
	cases := []struct {
		name       string
		committing bool
		err        error
		unknown    bool
	}{
		{"committed", true, nil, false},
		{"connection lost at commit", true, driver.ErrBadConn, true},
		{"deadline at commit", true, context.DeadlineExceeded, true},
		{"server refused the commit", true, deadlock, false},
		{"failed before the commit", false, driver.ErrBadConn, false},
	}
	for _, c := range cases {
		got := commitOutcome(c.committing, c.err)
		if errors.Is(got, errno.OutcomeUnknown) != c.unknown {
			t.Errorf("%s: %v; unknown outcome = %v, want %v", c.name, got, !c.unknown, c.unknown)
		}
		if c.err != nil && !errors.Is(got, c.err) {
			t.Errorf("%s: %v lost its cause %v", c.name, got, c.err)
		}
		if c.err == nil && got != nil {
			t.Errorf("%s: %v; want nil", c.name, got)
		}
	}
	if retryable(commitOutcome(true, driver.ErrBadConn)) {
		t.Fatal("a commit of unknown outcome must not be run again")
	}
}
