// Package dbtest gives each integration test a MySQL schema of its own on the machine's real
// server, dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
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

// Open creates an empty schema for this test, opens it as a service would (db.Open) and drops
// it at the end of the test.
func Open(t testing.TB) *gorm.DB {
	t.Helper()
	name := Schema(t, "test")
	return OpenSchema(t, name)
}

// OpenMigrated creates a schema for this test, applies the migrations of src to it as the
// migration step does (db.MigrateUp) and opens it as the service would.
func OpenMigrated(t testing.TB, src fs.FS) *gorm.DB {
	t.Helper()
	name := Schema(t, "test")
	Migrate(t, name, src)
	return OpenSchema(t, name)
}

// Schema creates an empty schema whose name starts with prefix, dropped at the end of the test.
func Schema(t testing.TB, prefix string) string {
	t.Helper()
	name := SchemaName(prefix)
	base, err := mysql.ParseDSN(DSN())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(context.Background(), base, name); err != nil {
		t.Fatalf("create test schema (is MySQL running at %s?): %v", DSN(), err)
	}
	t.Cleanup(func() {
		if err := db.DropSchema(context.Background(), DSN(), name); err != nil {
			t.Errorf("drop test schema %s: %v", name, err)
		}
	})
	return name
}

// Migrate applies the migrations of src to schema as the root of DSN.
func Migrate(t testing.TB, schema string, src fs.FS) {
	t.Helper()
	if err := db.MigrateUp(context.Background(), config.MySQL{DSN: DSN(), Database: schema}, src, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("migrate %s: %v", schema, err)
	}
}

// OpenSchema opens an existing schema as a service would (db.Open), closed at the end of the test.
// When the package's TestMain runs CheckPlans, the read statements the code under test sends
// through it are recorded, to be explained once the tests are done.
func OpenSchema(t testing.TB, schema string) *gorm.DB {
	t.Helper()
	gdb, err := db.Open(context.Background(), config.MySQL{DSN: DSN(), Database: schema}, opentracing.NoopTracer{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open test schema %s: %v", schema, err)
	}
	if err := record(gdb); err != nil {
		t.Fatalf("record the statements of %s: %v", schema, err)
	}
	t.Cleanup(func() {
		if sqlDB, err := gdb.DB(); err == nil {
			sqlDB.Close()
		}
	})
	return gdb
}

// OpenSchemaSQL is OpenSchema's connection pool, for tests that speak plain database/sql.
func OpenSchemaSQL(t testing.TB, schema string) *sql.DB {
	t.Helper()
	sqlDB, err := OpenSchema(t, schema).DB()
	if err != nil {
		t.Fatal(err)
	}
	return sqlDB
}
