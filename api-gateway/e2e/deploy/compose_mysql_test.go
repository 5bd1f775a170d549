//go:build integration

package deploy

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
)

// The mysql-init SQL of the compose file runs on this machine's MySQL, with every database and
// account name given a prefix of this test's own; then a service's account must open its own
// database (creating it, as a service does at start) and nothing else, not even a database whose
// name differs only where the grant has an underscore.
func TestComposeMySQLAccountsReachOnlyTheirOwnDatabase(t *testing.T) {
	f := loadCompose(t, repoRoot(t))
	init := f.Services["mysql-init"]
	if len(init.Command) != 1 || !strings.Contains(strings.Join(init.Entrypoint, " "), "--execute") {
		t.Fatalf("mysql-init: entrypoint %v, command %d items; want mysql --execute with one SQL text", init.Entrypoint, len(init.Command))
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	prefix := "ct" + hex.EncodeToString(b) // no "_": it must not become a wildcard of the grants
	sql := strings.NewReplacer("`tiktok_", "`"+prefix+"tiktok_", "`tiktok\\_", "`"+prefix+"tiktok\\_",
		"'svc_", "'"+prefix+"svc_").Replace(init.Command[0])

	ctx := context.Background()
	root := openAs(t, dbtest.DSN(), prefix+"scratch")
	t.Cleanup(func() {
		for _, s := range rpcServices {
			_, _ = root.Exec("DROP USER IF EXISTS '" + prefix + "svc_" + s + "'@'%'")
			_ = db.DropSchema(ctx, dbtest.DSN(), prefix+"tiktok_"+s)
		}
		_ = db.DropSchema(ctx, dbtest.DSN(), prefix+"tiktokxuser")
		_ = db.DropSchema(ctx, dbtest.DSN(), prefix+"scratch")
	})
	for _, stmt := range strings.Split(sql, ";") {
		if stmt = strings.TrimSpace(stmt); stmt == "" {
			continue
		}
		if _, err := root.Exec(stmt); err != nil {
			t.Fatalf("mysql-init statement %q: %v", stmt, err)
		}
	}
	// Running it again, as every `docker-compose up` does, must succeed too.
	for _, stmt := range strings.Split(sql, ";") {
		if stmt = strings.TrimSpace(stmt); stmt != "" {
			if _, err := root.Exec(stmt); err != nil {
				t.Fatalf("second run of %q: %v", stmt, err)
			}
		}
	}
	// The look-alike exists, so that only the grant can keep the user service's account out.
	if _, err := root.Exec("CREATE DATABASE `" + prefix + "tiktokxuser`"); err != nil {
		t.Fatal(err)
	}

	for _, s := range rpcServices {
		dsn := f.Services[s].Environment["TIKTOK_MYSQL_DSN"]
		m := dsnPattern.FindStringSubmatch(dsn)
		if m == nil {
			t.Fatalf("%s: TIKTOK_MYSQL_DSN %q", s, dsn)
		}
		local := prefix + m[1] + ":" + m[2] + "@" + serverAddr(t, dbtest.DSN()) + "/"
		own := openAs(t, local, prefix+"tiktok_"+s)
		if _, err := own.Exec("CREATE TABLE probe (id BIGINT PRIMARY KEY)"); err != nil {
			t.Errorf("%s's account cannot create a table in its own database: %v", s, err)
		}
		for _, other := range []string{prefix + "tiktok_" + otherThan(s), prefix + "tiktokxuser", prefix + "scratch"} {
			if conn, err := open(local, other); err == nil {
				conn.Close()
				t.Errorf("%s's account opened %s", s, other)
			}
		}
	}
}

// openAs opens database as a service would (db.Open creates it if missing), and closes it when
// the test ends.
func openAs(t *testing.T, dsn, database string) *sql.DB {
	t.Helper()
	conn, err := open(dsn, database)
	if err != nil {
		t.Fatalf("open %s: %v", database, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func open(dsn, database string) (*sql.DB, error) {
	gdb, err := db.Open(context.Background(), config.MySQL{DSN: dsn, Database: database}, opentracing.NoopTracer{}, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	return gdb.DB()
}

func otherThan(s string) string {
	if s == "video" {
		return "user"
	}
	return "video"
}

// serverAddr is the "tcp(host:port)" part of a DSN.
func serverAddr(t *testing.T, dsn string) string {
	t.Helper()
	m := regexp.MustCompile(`@(tcp\([^)]+\))/`).FindStringSubmatch(dsn)
	if m == nil {
		t.Fatalf("cannot find the server address in %q", dsn)
	}
	return m[1]
}
