//go:build integration

// Package e2e drives the real stack (etcd, Jaeger, the six services, the gateway, this machine's
// MySQL, a Redis of its own) over HTTP, the way the phone does. The stack is started once for the
// package, on free ports and in schemas of its own that are dropped at the end.
package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"simpletiktok/pkg/cache/redistest"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/pkg/devstack"
)

var services = []string{"user", "video", "favorite", "comment", "relation", "message"}

// env is what every test of the package shares.
type env struct {
	stack *devstack.Stack
	phone *phone
	root  string
	// redis is the stack's cache, a redis-server of the test binary's own: the tests may stop,
	// restart or flush it (cache_test.go). Bind it in the test that does.
	redis *redistest.Server
	// schemaPrefix starts the name of each service's schema: <prefix><service>.
	schemaPrefix string
}

var shared *env

func TestMain(m *testing.M) {
	code, err := runWithStack(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runWithStack(m *testing.M) (int, error) {
	root, err := repoRoot()
	if err != nil {
		return 0, err
	}
	ports, err := devstack.FreePorts()
	if err != nil {
		return 0, err
	}
	varDir, err := os.MkdirTemp("", "tiktok-e2e-")
	if err != nil {
		return 0, err
	}
	prefix := dbtest.SchemaName("e2e") + "_"
	redisDir := filepath.Join(varDir, "redis")
	if err := os.MkdirAll(redisDir, 0o755); err != nil {
		return 0, err
	}
	redis, err := redistest.Launch(redisDir)
	if err != nil {
		return 0, err
	}
	defer redis.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stack, err := devstack.Start(ctx, devstack.Options{
		Root:         root,
		VarDir:       varDir,
		MySQLDSN:     dbtest.DSN(),
		SchemaPrefix: prefix,
		Ports:        ports,
		Out:          os.Stderr,
		// The suite registers and writes far faster from one address than a person does; the
		// rate limits have their own tests (internal/handler), the cap in flight stays. The cache
		// is a Redis of the suite's own.
		ExtraEnv: []string{"TIKTOK_RATE_LIMIT=off", "TIKTOK_REDIS_ADDR=" + redis.Addr},
	})
	defer func() {
		for _, s := range services {
			_ = db.DropSchema(context.Background(), dbtest.DSN(), prefix+s)
		}
	}()
	if err != nil {
		return 0, fmt.Errorf("start the stack (logs in %s): %w", filepath.Join(varDir, "log"), err)
	}
	defer stack.Stop()
	shared = &env{stack: stack, phone: newPhone(stack.GatewayURL()), root: root, redis: redis, schemaPrefix: prefix}
	code := m.Run()
	// The stack restarts a process that crashes, so a crash would otherwise pass unnoticed.
	for _, f := range stack.Failures() {
		fmt.Fprintln(os.Stderr, "e2e: a process of the stack failed during the tests:", f)
		code = 1
	}
	if code == 0 {
		os.RemoveAll(varDir)
	} else {
		fmt.Fprintln(os.Stderr, "e2e: logs of the stack are in", stack.LogDir())
	}
	return code, nil
}

// repoRoot is the folder holding go.work, above the test's working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.work above the working directory")
		}
		dir = parent
	}
}
