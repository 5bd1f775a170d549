package db

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// A failed statement is a debug line (its caller logs the failure once, or InTx retries it); a
// slow one is a warning; neither carries the statement's text, which holds bound values.
func TestStatementLogLevels(t *testing.T) {
	var buf bytes.Buffer
	l := slogGorm{log: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), slow: time.Second}
	stmt := func() (string, int64) { return "UPDATE users SET password_hash = 'secret-hash'", 1 }
	ctx := context.Background()

	l.Trace(ctx, time.Now(), stmt, &mysql.MySQLError{Number: 1213, Message: "Deadlock found"})
	l.Trace(ctx, time.Now().Add(-2*time.Second), stmt, nil)
	l.Trace(ctx, time.Now(), stmt, gorm.ErrRecordNotFound)
	l.Trace(ctx, time.Now(), stmt, nil)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("wrote %d lines; want the failure and the slow statement:\n%s", len(lines), buf.String())
	}
	var failed, slow map[string]any
	_ = json.Unmarshal([]byte(lines[0]), &failed)
	_ = json.Unmarshal([]byte(lines[1]), &slow)
	if failed["level"] != "DEBUG" || failed["msg"] != "sql failed" {
		t.Fatalf("failed statement logged as %v; want a debug line", failed)
	}
	if slow["level"] != "WARN" || slow["msg"] != "slow sql" {
		t.Fatalf("slow statement logged as %v; want a warning", slow)
	}
	if strings.Contains(buf.String(), "secret-hash") {
		t.Fatalf("a statement's values reached the log: %s", buf.String())
	}
}

// InTx finds the service logger behind a handle opened by Open, and a silent one otherwise.
func TestLoggerOf(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	if got := loggerOf(&gorm.DB{Config: &gorm.Config{Logger: slogGorm{log: log}}}); got != log {
		t.Fatal("loggerOf missed the service logger")
	}
	if got := loggerOf(&gorm.DB{Config: &gorm.Config{}}); got == nil {
		t.Fatal("loggerOf of a foreign handle is nil")
	}
}
