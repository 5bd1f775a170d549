//go:build integration

package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
)

// The mysql-init SQL of the compose file runs on this machine's MySQL, with every database and
// account name given a prefix of this test's own, over an account left by an older compose file
// (ALL PRIVILEGES), twice, as every `up` runs it. Then each service's migrator account applies
// migrations to its own database, and its runtime account may read and write rows there and do
// nothing else: no DDL, and no way into another database, not even one whose name differs only
// where the grant has an underscore.
func TestComposeMySQLAccountsHaveLeastPrivilege(t *testing.T) {
	f := loadCompose(t, repoRoot(t))
	init := f.Services["mysql-init"]
	if len(init.Command) != 1 || !strings.Contains(strings.Join(init.Entrypoint, " "), "--execute") {
		t.Fatalf("mysql-init: entrypoint %v, command %d items; want mysql --execute with one SQL text", init.Entrypoint, len(init.Command))
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	prefix := "ct" + hex.EncodeToString(b) // no "_": it must not become a wildcard of the grants
	sql := strings.NewReplacer("`tiktok_", "`"+prefix+"tiktok_", "`tiktok\\_", "`"+prefix+"tiktok\\_",
		"'svc_", "'"+prefix+"svc_", "'mig_", "'"+prefix+"mig_").Replace(init.Command[0])

	ctx := context.Background()
	scratch := dbtest.Schema(t, prefix+"scratch")
	root := dbtest.OpenSchemaSQL(t, scratch)
	t.Cleanup(func() {
		for _, s := range rpcServices {
			_, _ = root.Exec("DROP USER IF EXISTS '" + prefix + "svc_" + s + "'@'%', '" + prefix + "mig_" + s + "'@'%'")
			_ = db.DropSchema(ctx, dbtest.DSN(), prefix+"tiktok_"+s)
		}
		_ = db.DropSchema(ctx, dbtest.DSN(), prefix+"tiktokxuser")
	})
	// An account as an older compose file left it: every privilege on its database.
	for _, stmt := range []string{
		"CREATE USER '" + prefix + "svc_user'@'%' IDENTIFIED BY 'old'",
		"GRANT ALL PRIVILEGES ON `" + prefix + "tiktok\\_user`.* TO '" + prefix + "svc_user'@'%'",
	} {
		if _, err := root.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	for run := 1; run <= 2; run++ {
		for _, stmt := range strings.Split(sql, ";") {
			if stmt = strings.TrimSpace(stmt); stmt == "" {
				continue
			}
			if _, err := root.Exec(stmt); err != nil {
				t.Fatalf("run %d of mysql-init, statement %q: %v", run, stmt, err)
			}
		}
	}
	// The look-alike exists, so that only the grant can keep the user service's accounts out.
	if _, err := root.Exec("CREATE DATABASE `" + prefix + "tiktokxuser`"); err != nil {
		t.Fatal(err)
	}

	checkServiceAccounts(t, prefix, scratch, func(s string) (mig, run string) {
		return localDSN(t, prefix, f.Services[s+"-migrate"].Environment["TIKTOK_MYSQL_DSN"]),
			localDSN(t, prefix, f.Services[s].Environment["TIKTOK_MYSQL_DSN"])
	})
}

// checkServiceAccounts checks, for each service, that its migrator account (the DSN mig) can apply,
// undo and apply again a migration on prefix+tiktok_<name> and cannot migrate another database,
// and that its runtime account (run) may only read and write the rows of its own database.
func checkServiceAccounts(t *testing.T, prefix, scratch string, dsns func(service string) (mig, run string)) {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	migration := fstest.MapFS{
		"0001_probe.up.sql": {Data: []byte("CREATE TABLE probe (id BIGINT PRIMARY KEY, v INT NOT NULL, KEY idx_v (v)); " +
			"ALTER TABLE probe ADD COLUMN w INT; INSERT INTO probe (id, v) VALUES (1, 1); UPDATE probe SET w = 2;")},
		"0001_probe.down.sql": {Data: []byte("DROP TABLE probe;")},
	}
	for _, s := range rpcServices {
		own := prefix + "tiktok_" + s
		migDSN, runDSN := dsns(s)
		cfg := config.MySQL{DSN: migDSN, Database: own}
		for _, step := range []func() error{
			func() error { return db.MigrateUp(ctx, cfg, migration, quiet) },
			func() error { return db.MigrateTo(ctx, cfg, migration, 0, quiet) },
			func() error { return db.MigrateUp(ctx, cfg, migration, quiet) },
		} {
			if err := step(); err != nil {
				t.Fatalf("%s's migrator account cannot migrate its database: %v", s, err)
			}
		}
		others := []string{prefix + "tiktok_" + otherThan(s), prefix + "tiktokxuser", scratch}
		if err := db.MigrateUp(ctx, config.MySQL{DSN: migDSN, Database: others[0]}, migration, quiet); err == nil {
			t.Errorf("%s's migrator account migrated %s", s, others[0])
		}
		dbtest.AssertRuntimeAccount(t, runDSN, own, others...)
	}
}

// localDSN is a compose DSN (user:password@tcp(mysql:3306)/) for this machine's server, its user
// given prefix.
func localDSN(t *testing.T, prefix, composeDSN string) string {
	t.Helper()
	m := dsnPattern.FindStringSubmatch(composeDSN)
	if m == nil {
		t.Fatalf("DSN %q", composeDSN)
	}
	return prefix + m[1] + ":" + m[2] + "@" + serverAddr(t, dbtest.DSN()) + "/"
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
