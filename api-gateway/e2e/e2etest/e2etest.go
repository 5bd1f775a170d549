// Package e2etest starts the stack an end-to-end test package runs against: the whole system
// (pkg/devstack) from the binaries of bin/, of the test binary's own, on free ports, with its state
// in a temporary folder and its schemas on this machine's MySQL named apart, stopped and dropped
// when the tests end.
package e2etest

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

// Services are the services the stack runs, each with a schema of its own.
var Services = []string{"user", "video", "favorite", "comment", "relation", "message"}

// startTimeout bounds the start of the stack.
const startTimeout = 3 * time.Minute

// Suite is a package's running stack and where it lives.
type Suite struct {
	Stack        *devstack.Stack
	Root         string // the repository root: it holds go.work, and the binaries in bin/
	VarDir       string // the stack's state and logs; removed after tests that passed
	SchemaPrefix string // each service's schema is SchemaPrefix+<service>
	// Redis is the stack's cache when Options.OwnRedis asked for one of its own; nil otherwise.
	Redis *redistest.Server
}

// Options say what one package's stack has of its own.
type Options struct {
	// Name names the package in the lines it prints, and its temporary folder (tiktok-<Name>-…).
	Name string
	// Schema starts the names of its schemas: dbtest.SchemaName(Schema) + "_".
	Schema string
	// Prepare, when set, runs before the stack starts, once its folder varDir exists: it may write
	// files there or start servers. It returns the environment to add to every process of the
	// stack, and what to do once the stack has stopped (nil: nothing).
	Prepare func(varDir string) (env []string, done func(), err error)
	// OwnRedis gives the stack a redis-server of the package's own (Suite.Redis), which its tests
	// may pause, restart and flush, and which no other stack's cache can mix with (every stack's
	// ids start at 1).
	OwnRedis bool
	// KillsProcesses says the tests kill processes of the stack on purpose. Otherwise a process
	// that exits during the tests fails the run: the stack restarts it, so the crash would pass
	// unnoticed.
	KillsProcesses bool
	// Replicas is devstack's: 2 runs two instances of each service and two gateways
	// (Suite.Stack.GatewayURLs). 0 or 1: one of each.
	Replicas int
	// Env is devstack's: extra environment of one process, by process name ("comment-2"), after
	// the stack's own and Prepare's.
	Env map[string][]string
	// LAN and PublicHost are devstack's: the gateway listens on every interface and names
	// PublicHost in its media URLs (the stack's PublicURL).
	LAN        bool
	PublicHost string
}

// Main starts the stack, hands it to started, runs the tests of m, stops the stack, drops its
// schemas, and exits with the tests' code; it exits with 1 when the stack cannot start. Call it
// from TestMain.
func Main(m *testing.M, opts Options, started func(*Suite)) {
	code, err := run(m, opts, started)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", opts.Name, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M, opts Options, started func(*Suite)) (int, error) {
	root, err := RepoRoot()
	if err != nil {
		return 0, err
	}
	varDir, err := os.MkdirTemp("", "tiktok-"+opts.Name+"-")
	if err != nil {
		return 0, err
	}
	prefix := dbtest.SchemaName(opts.Schema) + "_"
	var env []string
	var redis *redistest.Server
	if opts.OwnRedis {
		if redis, err = launchRedis(varDir); err != nil {
			return 0, err
		}
		defer redis.Close()
		env = append(env, "TIKTOK_REDIS_ADDR="+redis.Addr)
	}
	if opts.Prepare != nil {
		more, done, err := opts.Prepare(varDir)
		if err != nil {
			return 0, err
		}
		env = append(env, more...)
		if done != nil {
			defer done()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	stack, _, err := devstack.StartOnFreePorts(ctx, devstack.Options{
		Root: root, VarDir: varDir, MySQLDSN: dbtest.DSN(), SchemaPrefix: prefix, Out: os.Stderr,
		ExtraEnv: env, Env: opts.Env, Replicas: opts.Replicas, LAN: opts.LAN, PublicHost: opts.PublicHost,
	})
	defer func() {
		for _, s := range Services {
			_ = db.DropSchema(context.Background(), dbtest.DSN(), prefix+s)
		}
	}()
	if err != nil {
		return 0, fmt.Errorf("start the stack (logs in %s): %w", filepath.Join(varDir, "log"), err)
	}
	defer stack.Stop()
	started(&Suite{Stack: stack, Root: root, VarDir: varDir, SchemaPrefix: prefix, Redis: redis})
	code := m.Run()
	if !opts.KillsProcesses {
		for _, f := range stack.Failures() {
			fmt.Fprintf(os.Stderr, "%s: a process of the stack failed during the tests: %v\n", opts.Name, f)
			code = 1
		}
	}
	// Stopped before its folder goes: etcd and NATS keep their data there, and a process whose
	// data vanishes under it exits with an error of its own (Stop is idempotent: the deferred call
	// does nothing more).
	if err := stack.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: stopping the stack: %v\n", opts.Name, err)
	}
	if code == 0 {
		os.RemoveAll(varDir)
	} else {
		fmt.Fprintf(os.Stderr, "%s: logs of the stack are in %s\n", opts.Name, stack.LogDir())
	}
	return code, nil
}

// launchRedis starts a redis-server keeping its files under varDir/redis.
func launchRedis(varDir string) (*redistest.Server, error) {
	dir := filepath.Join(varDir, "redis")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return redistest.Launch(dir)
}

// RepoRoot is the folder holding go.work, above the working directory (a test's is its package's
// folder).
func RepoRoot() (string, error) {
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
