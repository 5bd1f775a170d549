//go:build integration

package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
)

// Each service runs as an account of its own that may read and write the rows of its schema and
// nothing else, as under docker-compose and Kubernetes; Stop drops the accounts.
func TestServicesRunAsLeastPrivilegeAccounts(t *testing.T) {
	prefix := dbtest.SchemaName("h_migr") + "_"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, _, err := StartOnFreePorts(ctx, Options{
		Root:         standInRoot(t),
		VarDir:       filepath.Join(t.TempDir(), "var"),
		MySQLDSN:     dbtest.DSN(),
		SchemaPrefix: prefix,
		Out:          testOut{t},
		ExtraEnv:     []string{standInEnv + "=1", "GORACE=atexit_sleep_ms=0"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	// The stand-ins migrate nothing; the schemas are made here so that the rights have objects.
	base, err := mysql.ParseDSN(dbtest.DSN())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"video", "user"} {
		if err := db.CreateSchema(ctx, base, prefix+name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.DropSchema(context.Background(), dbtest.DSN(), prefix+name) })
	}
	dsn := loggedDSN(t, s, "video")
	if !strings.HasPrefix(dsn, runtimeAccount(prefix+"video")+":") {
		t.Fatalf("video runs with %q; want its own account %s", dsn, runtimeAccount(prefix+"video"))
	}
	dbtest.AssertRuntimeAccount(t, dsn, prefix+"video", prefix+"user")

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := CheckMySQL(context.Background(), dsn); err == nil || !strings.Contains(err.Error(), "refused user") {
		t.Errorf("the account still logs in after Stop: %v", err)
	}
}

// loggedDSN is the TIKTOK_MYSQL_DSN a stand-in was started with.
func loggedDSN(t *testing.T, s *Stack, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(s.LogDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]string
	line, _, _ := strings.Cut(string(raw), "\n")
	if err := json.Unmarshal([]byte(line), &env); err != nil {
		t.Fatalf("%s.log: %v", name, err)
	}
	return env["TIKTOK_MYSQL_DSN"]
}

// A migration step that fails stops the start before its service runs, naming the step and
// quoting its log.
func TestAFailedMigrationStopsTheStart(t *testing.T) {
	s, ports, _, err := startStandIns(t, standInFailMigrateEnv+"=comment")
	if err == nil {
		t.Fatal("Start succeeded although comment's migration failed")
	}
	if s != nil {
		t.Error("Start returned a stack along with an error")
	}
	var perr *ProcessError
	if !errors.As(err, &perr) || perr.Name != "comment-migrate" {
		t.Fatalf("error does not name comment's migration step: %v", err)
	}
	for _, want := range []string{"migration failed: exit status 5", "simulated failure: migration 2 failed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	assertNoChildren(t)
	assertPortsFree(t, ports)
}
