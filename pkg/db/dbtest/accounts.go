package dbtest

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// AssertRuntimeAccount checks that the account of serverDSN (a DSN without a database) may read
// and write the rows of schema own and do nothing else: every statement that changes a schema is
// refused, and so is every way into the schemas others. own must exist; the check adds a table
// to it (as the root of DSN) and removes it again.
func AssertRuntimeAccount(t testing.TB, serverDSN, own string, others ...string) {
	t.Helper()
	ctx := context.Background()
	admin := connect(t, DSN(), own)
	const table = "dbtest_probe"
	if _, err := admin.ExecContext(ctx, "CREATE TABLE "+table+" (id BIGINT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB"); err != nil {
		t.Fatalf("create %s.%s: %v", own, table, err)
	}
	t.Cleanup(func() { _, _ = admin.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+table) })

	conn := connect(t, serverDSN, own)
	for _, stmt := range []string{
		"INSERT INTO " + table + " (id, v) VALUES (1, 1)",
		"SELECT COUNT(*) FROM " + table,
		"UPDATE " + table + " SET v = 2 WHERE id = 1",
		"DELETE FROM " + table + " WHERE id = 1",
	} {
		if err := run(conn, stmt); err != nil {
			t.Errorf("the runtime account cannot %q in its own schema: %v", stmt, err)
		}
	}
	for _, stmt := range []string{
		"CREATE TABLE dbtest_new (id BIGINT PRIMARY KEY)",
		"ALTER TABLE " + table + " ADD COLUMN w INT",
		"CREATE INDEX idx_v ON " + table + " (v)",
		"DROP TABLE " + table,
		"TRUNCATE TABLE " + table,
		"CREATE DATABASE `" + own + "_x`",
		"DROP DATABASE `" + own + "`",
		"CREATE USER 'dbtest_intruder'@'%'",
	} {
		if err := run(conn, stmt); !denied(err) {
			t.Errorf("the runtime account ran %q: %v; want it refused", stmt, err)
		}
	}
	for _, other := range others {
		for _, stmt := range []string{
			"USE `" + other + "`",
			"SHOW TABLES FROM `" + other + "`",
			"CREATE TABLE `" + other + "`.dbtest_new (id BIGINT PRIMARY KEY)",
		} {
			if err := run(conn, stmt); !denied(err) {
				t.Errorf("the runtime account of %s ran %q: %v; want it refused", own, stmt, err)
			}
		}
	}
}

// run runs stmt and reads whatever it returns.
func run(conn *sql.DB, stmt string) error {
	rows, err := conn.QueryContext(context.Background(), stmt)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	rows.Close()
	return rows.Err()
}

// connect opens schema as the account of dsn and closes it when the test ends.
func connect(t testing.TB, dsn, schema string) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = schema
	conn, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.Ping(); err != nil {
		t.Fatalf("connect to %s as %s: %v", schema, cfg.User, err)
	}
	return conn
}

// denied reports whether err is MySQL refusing an account something it has no privilege for.
func denied(err error) bool {
	var myErr *mysql.MySQLError
	if !errors.As(err, &myErr) {
		return false
	}
	switch myErr.Number {
	case 1044, 1045, 1142, 1143, 1227, 1370: // database, login, table, column, global privilege, routine
		return true
	}
	return false
}
