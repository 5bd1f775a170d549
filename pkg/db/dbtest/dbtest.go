// Package dbtest gives each integration test a MySQL schema of its own on the machine's real
// server, dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go"
	"gorm.io/gorm"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/db"
)

// DSN is the server the tests use: TIKTOK_TEST_MYSQL_DSN, or this machine's MariaDB as root.
func DSN() string {
	if dsn := os.Getenv("TIKTOK_TEST_MYSQL_DSN"); dsn != "" {
		return dsn
	}
	return "root:@tcp(127.0.0.1:3306)/"
}

// SchemaName returns a fresh schema name starting with prefix.
func SchemaName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return strings.ToLower(prefix) + "_" + hex.EncodeToString(b)
}

// Open creates a schema for this test, opens it as a service would (db.Open) and drops it at the
// end of the test.
func Open(t testing.TB) *gorm.DB {
	t.Helper()
	name := SchemaName("test")
	ctx := context.Background()
	gdb, err := db.Open(ctx, config.MySQL{DSN: DSN(), Database: name}, opentracing.NoopTracer{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open test schema (is MySQL running at %s?): %v", DSN(), err)
	}
	t.Cleanup(func() {
		if sqlDB, err := gdb.DB(); err == nil {
			sqlDB.Close()
		}
		if err := db.DropSchema(context.Background(), DSN(), name); err != nil {
			t.Errorf("drop test schema %s: %v", name, err)
		}
	})
	return gdb
}
