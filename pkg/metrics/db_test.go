package metrics

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"
)

type account struct {
	ID   int64
	Name string
}

// dryDB is a gorm handle whose statements are built and run through every callback but never
// sent: sql.Open does not connect, and DryRun skips execution.
func dryDB(t *testing.T) *gorm.DB {
	t.Helper()
	sqlDB, err := sql.Open("mysql", "nobody:@tcp(127.0.0.1:1)/none")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlDB.Close() })
	sqlDB.SetMaxOpenConns(7)
	gdb, err := gorm.Open(gormmysql.New(gormmysql.Config{Conn: sqlDB, SkipInitializeWithVersion: true}),
		&gorm.Config{DryRun: true, DisableAutomaticPing: true, SkipDefaultTransaction: true, Logger: gormlogger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return gdb
}

func TestDBStatementsAndPool(t *testing.T) {
	reg := prometheus.NewRegistry()
	d, err := NewDB(reg)
	if err != nil {
		t.Fatal(err)
	}
	gdb := dryDB(t)
	if err := d.Instrument(gdb, "tiktok_user"); err != nil {
		t.Fatal(err)
	}
	var rows []account
	gdb.Find(&rows)
	gdb.Where("id = ?", 1).Find(&rows)
	gdb.Create(&account{Name: "a"})
	gdb.Model(&account{ID: 1}).Update("name", "b")
	gdb.Delete(&account{ID: 1})
	gdb.Exec("UPDATE accounts SET name = ?", "c")

	for op, n := range map[string]uint64{"query": 2, "create": 1, "update": 1, "delete": 1, "raw": 1} {
		if got := histogramCount(t, reg, "tiktok_db_statement_duration_seconds", map[string]string{"db": "tiktok_user", "operation": op}); got != n {
			t.Errorf("%s statements timed = %d; want %d", op, got, n)
		}
	}
	if n := testutil.CollectAndCount(d.failures); n != len(operations) {
		t.Errorf("%d failure series; want one per operation, at zero from the start", n)
	}
	for _, op := range operations {
		if got := testutil.ToFloat64(d.failures.WithLabelValues("tiktok_user", op)); got != 0 {
			t.Errorf("%s failures = %v after statements that did not fail", op, got)
		}
	}
	maxOpen := series(t, reg, "go_sql_max_open_connections", map[string]string{"db_name": "tiktok_user"})
	if got := maxOpen.GetGauge().GetValue(); got != 7 {
		t.Errorf("pool max open = %v; want 7", got)
	}
	for _, name := range []string{"go_sql_open_connections", "go_sql_in_use_connections", "go_sql_idle_connections",
		"go_sql_wait_count_total", "go_sql_wait_duration_seconds_total"} {
		series(t, reg, name, map[string]string{"db_name": "tiktok_user"})
	}
}

func TestDBStatementFailureIsCounted(t *testing.T) {
	reg := prometheus.NewRegistry()
	d, err := NewDB(reg)
	if err != nil {
		t.Fatal(err)
	}
	gdb := dryDB(t)
	if err := d.Instrument(gdb, "tiktok_video"); err != nil {
		t.Fatal(err)
	}
	// An update without a WHERE clause is refused by gorm inside its own callback.
	if err := gdb.Model(&account{}).Update("name", "x").Error; err == nil {
		t.Fatal("an update of every row was accepted")
	}
	if got := testutil.ToFloat64(d.failures.WithLabelValues("tiktok_video", "update")); got != 1 {
		t.Fatalf("failed updates = %v; want 1", got)
	}
	for _, answer := range []error{gorm.ErrRecordNotFound, fmt.Errorf("insert: %w", gorm.ErrDuplicatedKey)} {
		if statementFailed(answer) {
			t.Errorf("%v counted as a failed statement; it is an answer", answer)
		}
	}
	if !statementFailed(errors.New("driver: bad connection")) {
		t.Error("a driver error was not counted as a failure")
	}
}

func TestInstrumentTwiceIsAnError(t *testing.T) {
	d, err := NewDB(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	gdb := dryDB(t)
	if err := d.Instrument(gdb, "tiktok_user"); err != nil {
		t.Fatal(err)
	}
	if err := d.Instrument(gdb, "tiktok_user"); err == nil {
		t.Fatal("instrumenting the same schema twice was accepted")
	}
}
