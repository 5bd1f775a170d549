//go:build integration

package deploy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
)

// Each service binary's migration step, as the Kubernetes init containers and compose run it: two
// replicas starting together both succeed, a third run later finds nothing to do, and the schema
// ends at the newest migration in services/<name>/migrations, clean. (The end-to-end suite starts
// the services on migrated schemas, as their runtime accounts.)
func TestEachBinarysMigrationStepIsSafeToRepeatAndToRunTwiceAtOnce(t *testing.T) {
	root := repoRoot(t)
	for _, s := range rpcServices {
		t.Run(s, func(t *testing.T) {
			bin := filepath.Join(root, "bin", s)
			if _, err := os.Stat(bin); err != nil {
				t.Fatalf("%s is missing: run make build", bin)
			}
			schema := dbtest.SchemaName("h_migr")
			t.Cleanup(func() { _ = db.DropSchema(context.Background(), dbtest.DSN(), schema) })
			step := func() error {
				cmd := exec.Command(bin, "-config", filepath.Join(root, "services", s, "config.yaml"), "-migrate-only")
				cmd.Env = append(os.Environ(), "TIKTOK_MYSQL_DSN="+dbtest.DSN(), "TIKTOK_MYSQL_DATABASE="+schema,
					"TIKTOK_TRACING_DISABLED=true", "TIKTOK_LOG_LEVEL=warn")
				if out, err := cmd.CombinedOutput(); err != nil {
					return &stepError{err: err, out: string(out)}
				}
				return nil
			}
			for i, err := range append(dbtest.AtOnce(2, func(int) error { return step() }), step()) {
				if err != nil {
					t.Errorf("run %d of %s -migrate-only: %v", i+1, s, err)
				}
			}
			var version int
			var dirty bool
			gdb := dbtest.OpenSchema(t, schema)
			if err := gdb.Raw("SELECT version, dirty FROM "+db.MigrationsTable).Row().Scan(&version, &dirty); err != nil {
				t.Fatal(err)
			}
			if want := newestMigration(t, root, s); version != want || dirty {
				t.Errorf("schema at version %d, dirty %v; want %d, clean", version, dirty, want)
			}
		})
	}
}

type stepError struct {
	err error
	out string
}

func (e *stepError) Error() string { return e.err.Error() + ": " + e.out }

// newestMigration is the highest NNNN of services/<name>/migrations/NNNN_*.up.sql.
func newestMigration(t *testing.T, root, service string) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "services", service, "migrations", "*.up.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations for %s: %v", service, err)
	}
	newest := 0
	for _, f := range files {
		digits, _, _ := strings.Cut(filepath.Base(f), "_")
		n, err := strconv.Atoi(digits)
		if err != nil {
			t.Fatalf("%s: the name must start with its version: %v", f, err)
		}
		newest = max(newest, n)
	}
	return newest
}
