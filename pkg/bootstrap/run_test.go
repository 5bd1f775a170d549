package bootstrap

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cloudwego/kitex/server"
)

// A config that cannot be loaded stops the start before the service is built, with an error that
// names the file.
func TestRunStopsOnABadConfig(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "absent.yaml")
	called := false
	err := Run("user", []string{"-config", missing}, nil, func(context.Context, *Service, []server.Option) (server.Server, error) {
		called = true
		return nil, nil
	})
	if err == nil || !strings.Contains(err.Error(), "absent.yaml") {
		t.Fatalf("Run = %v; want an error naming the config file", err)
	}
	if called {
		t.Fatal("register ran without a config")
	}
	if err := Run("user", []string{"-no-such-flag"}, nil, nil); err == nil {
		t.Fatal("Run accepted an unknown flag")
	}
}

// The migration step runs instead of the service: register is never called, and its errors (here
// a DSN that cannot be parsed, so no server is needed) end the run.
func TestMigrateOnlyNeverBuildsTheService(t *testing.T) {
	config := filepath.Join(t.TempDir(), "config.yaml")
	yaml := "env: development\nserver: {listen: 127.0.0.1:1, shutdown_grace: 1s}\netcd: {endpoints: [127.0.0.1:1]}\n" +
		"tracing: {disabled: true}\nlog: {level: error}\nadmin: {listen: 127.0.0.1:1}\nredis: {addr: 127.0.0.1:1}\nmysql: {dsn: not-a-dsn, database: tiktok_user}\n" +
		"client: {rpc_timeout: 1s, connect_timeout: 1s}\n"
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	called := false
	register := func(context.Context, *Service, []server.Option) (server.Server, error) {
		called = true
		return nil, nil
	}
	schema := fstest.MapFS{"0001_init.up.sql": {Data: []byte("CREATE TABLE t (id INT)")}}
	for _, args := range [][]string{{"-migrate-only"}, {"-migrate-to", "0"}} {
		err := Run("user", append([]string{"-config", config}, args...), schema, register)
		if err == nil || !strings.Contains(err.Error(), "mysql.dsn") {
			t.Errorf("Run %v = %v; want the DSN refused", args, err)
		}
	}
	err := Run("user", []string{"-config", config, "-migrate-only", "-migrate-to", "1"}, schema, register)
	if err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("Run with both migration flags = %v; want them refused together", err)
	}
	if called {
		t.Fatal("register ran in the migration step")
	}
}
