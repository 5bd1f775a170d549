//go:build integration

package db_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/golang-migrate/migrate/v4/database"
	"github.com/opentracing/opentracing-go"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
)

// migrations builds a migrations folder from up statements, version 1 first; each down drops
// what its up made.
func migrations(ups ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i, up := range ups {
		fsys[fmt.Sprintf("%04d_step.up.sql", i+1)] = &fstest.MapFile{Data: []byte(up)}
		fsys[fmt.Sprintf("%04d_step.down.sql", i+1)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("DROP TABLE IF EXISTS t%d;", i+1))}
	}
	return fsys
}

var quiet = slog.New(slog.DiscardHandler)

func mysqlCfg(schema string) config.MySQL { return config.MySQL{DSN: dbtest.DSN(), Database: schema} }

// version reads golang-migrate's record of schema.
func version(t *testing.T, schema string) (v int, dirty bool) {
	t.Helper()
	gdb := dbtest.OpenSchema(t, schema)
	if err := gdb.Raw("SELECT version, dirty FROM "+db.MigrationsTable).Row().Scan(&v, &dirty); err != nil {
		t.Fatalf("read the version of %s: %v", schema, err)
	}
	return v, dirty
}

// The migration step creates the schema itself (the runtime service creates nothing), and the
// service's check accepts the schema only once every migration is applied.
func TestMigrateUpCreatesTheSchemaAndOpenChecksIt(t *testing.T) {
	ctx := context.Background()
	schema := dbtest.SchemaName("h_migr")
	t.Cleanup(func() { _ = db.DropSchema(context.Background(), dbtest.DSN(), schema) })
	_, err := db.Open(ctx, mysqlCfg(schema), opentracing.NoopTracer{}, quiet)
	if err == nil || !strings.Contains(err.Error(), "-migrate-only") {
		t.Fatalf("Open of a missing schema = %v; want it to say the migration step must run first", err)
	}
	src := migrations("CREATE TABLE t1 (id INT PRIMARY KEY);", "CREATE TABLE t2 (id INT PRIMARY KEY);")
	if err := db.MigrateTo(ctx, mysqlCfg(schema), src, 1, quiet); err != nil {
		t.Fatal(err)
	}
	gdb, err := db.Open(ctx, mysqlCfg(schema), opentracing.NoopTracer{}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := gdb.DB()
	defer sqlDB.Close()
	if err := db.CheckMigrated(ctx, sqlDB, schema, src); err == nil || !strings.Contains(err.Error(), "at version 1, this binary needs 2") {
		t.Fatalf("CheckMigrated one version behind = %v; want it refused", err)
	}
	if err := db.MigrateUp(ctx, mysqlCfg(schema), src, quiet); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckMigrated(ctx, sqlDB, schema, src); err != nil {
		t.Fatalf("CheckMigrated after the step = %v", err)
	}
	empty := dbtest.Schema(t, "h_migr")
	if err := db.CheckMigrated(ctx, dbtest.OpenSchemaSQL(t, empty), empty, src); err == nil || !strings.Contains(err.Error(), "no migrations applied") {
		t.Fatalf("CheckMigrated of a schema never migrated = %v", err)
	}
}

// Replicas start their migration steps together (Kubernetes init containers, two `-migrate-only`
// at once). golang-migrate's advisory lock lets one apply each migration while the others wait,
// then find nothing left to do: every step succeeds and each migration runs once. The first
// migration is not idempotent (a plain CREATE TABLE), so two runs of it would fail one step.
func TestConcurrentMigrationStepsApplyEachMigrationOnce(t *testing.T) {
	schema := dbtest.SchemaName("h_migr")
	t.Cleanup(func() { _ = db.DropSchema(context.Background(), dbtest.DSN(), schema) })
	src := migrations(
		"CREATE TABLE t1 (n INT NOT NULL); INSERT INTO t1 VALUES (1); DO SLEEP(0.5);",
		"CREATE TABLE t2 (n INT NOT NULL); INSERT INTO t1 VALUES (2);",
	)
	errs := dbtest.AtOnce(4, func(int) error { return db.MigrateUp(context.Background(), mysqlCfg(schema), src, quiet) })
	for i, err := range errs {
		if err != nil {
			t.Errorf("step %d: %v", i, err)
		}
	}
	var runs []int
	if err := dbtest.OpenSchema(t, schema).Raw("SELECT n FROM t1 ORDER BY n").Scan(&runs).Error; err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(runs) != "[1 2]" {
		t.Errorf("migrations ran %v; want each once: [1 2]", runs)
	}
	if v, dirty := version(t, schema); v != 2 || dirty {
		t.Errorf("version %d, dirty %v; want 2, clean", v, dirty)
	}
}

// A migration that holds the lock longer than MySQL's GET_LOCK wait (10 s in golang-migrate) does
// not fail the step that waits for it: the step says so in its log and tries again until the lock
// is free (or its context ends).
func TestAStepWaitsForALockHeldLongerThanGetLocksWait(t *testing.T) {
	ctx := context.Background()
	schema := dbtest.Schema(t, "h_migr")
	src := migrations("CREATE TABLE t1 (id INT PRIMARY KEY);")
	holder := dbtest.OpenSchemaSQL(t, schema)
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	lockID, err := database.GenerateAdvisoryLockId(schema + ":" + db.MigrationsTable)
	if err != nil {
		t.Fatal(err)
	}
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", lockID).Scan(&got); err != nil || !got {
		t.Fatalf("take the migration lock: %v, %v", got, err)
	}
	logs := &lineWatch{want: "another process is migrating", seen: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- db.MigrateUp(ctx, mysqlCfg(schema), src, slog.New(slog.NewTextHandler(logs, nil))) }()
	select {
	case <-logs.seen:
	case err := <-done:
		t.Fatalf("MigrateUp returned %v while another session held the lock", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT RELEASE_LOCK(?)", lockID); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("MigrateUp after the lock was freed: %v", err)
	}
	if v, dirty := version(t, schema); v != 1 || dirty {
		t.Errorf("version %d, dirty %v; want 1, clean", v, dirty)
	}
}

// lineWatch closes seen once a written log line contains want.
type lineWatch struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *lineWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

// After a rollback to an older binary the schema is ahead of that binary's migrations: its step
// leaves the schema as it is and the binary starts, because every migration keeps the release
// before it working.
func TestAnOlderBinaryLeavesANewerSchemaAlone(t *testing.T) {
	ctx := context.Background()
	schema := dbtest.Schema(t, "h_migr")
	newer := migrations("CREATE TABLE t1 (id INT PRIMARY KEY);", "CREATE TABLE t2 (id INT PRIMARY KEY);")
	older := migrations("CREATE TABLE t1 (id INT PRIMARY KEY);")
	if err := db.MigrateUp(ctx, mysqlCfg(schema), newer, quiet); err != nil {
		t.Fatal(err)
	}
	if err := db.MigrateUp(ctx, mysqlCfg(schema), older, quiet); err != nil {
		t.Fatalf("the older binary's step = %v; want the newer schema left alone", err)
	}
	if v, _ := version(t, schema); v != 2 {
		t.Errorf("version %d after the older step; want 2", v)
	}
	if err := db.CheckMigrated(ctx, dbtest.OpenSchemaSQL(t, schema), schema, older); err != nil {
		t.Errorf("the older binary refuses the newer schema: %v", err)
	}
}

// A migration that fails part-way leaves the schema dirty: the next step and the service refuse
// it, saying what to do, rather than build on a half-applied change.
func TestAFailedMigrationLeavesTheSchemaDirty(t *testing.T) {
	ctx := context.Background()
	schema := dbtest.Schema(t, "h_migr")
	src := migrations("CREATE TABLE t1 (id INT PRIMARY KEY);", "CREATE TABLE t2 (id INT PRIMARY KEY); INSERT INTO no_such_table VALUES (1);")
	if err := db.MigrateUp(ctx, mysqlCfg(schema), src, quiet); err == nil || !strings.Contains(err.Error(), "no_such_table") {
		t.Fatalf("MigrateUp with a failing migration = %v; want its error", err)
	}
	for name, err := range map[string]error{
		"the next step": db.MigrateUp(ctx, mysqlCfg(schema), src, quiet),
		"the service":   db.CheckMigrated(ctx, dbtest.OpenSchemaSQL(t, schema), schema, src),
	} {
		if err == nil || !strings.Contains(err.Error(), "dirty at version 2") || !strings.Contains(err.Error(), "docs/operations.md") {
			t.Errorf("%s on a dirty schema = %v; want it refused with a pointer to the docs", name, err)
		}
	}
}
