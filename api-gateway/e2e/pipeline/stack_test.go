//go:build integration

// Package pipeline drives the media pipeline of a real stack of its own (the gateway, the video
// service, NATS JetStream, the media worker) through its failures: concurrent publishes, a
// worker killed mid-job, a file ffmpeg cannot read, and NATS away during a publish. It kills and
// restarts processes, so it runs apart from the shared e2e stack.
package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/pkg/devstack"
)

var services = []string{"user", "video", "favorite", "comment", "relation", "message"}

// env is what the tests share.
type env struct {
	stack  *devstack.Stack
	varDir string
	// slowFlag, while it exists, makes every ffmpeg run of the worker first create startedFlag and
	// wait a few seconds, so that a test can kill the worker in the middle of a job.
	slowFlag, startedFlag string
}

var shared *env

func TestMain(m *testing.M) {
	code, err := runWithStack(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipeline:", err)
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
	varDir, err := os.MkdirTemp("", "tiktok-pipeline-")
	if err != nil {
		return 0, err
	}
	e := &env{varDir: varDir, slowFlag: filepath.Join(varDir, "ffmpeg-slow"), startedFlag: filepath.Join(varDir, "ffmpeg-started")}
	wrapper, err := writeSlowFFmpeg(varDir, e.slowFlag, e.startedFlag)
	if err != nil {
		return 0, err
	}
	prefix := dbtest.SchemaName("pipe") + "_"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stack, err := devstack.Start(ctx, devstack.Options{
		Root: root, VarDir: varDir, MySQLDSN: dbtest.DSN(), SchemaPrefix: prefix, Ports: ports, Out: os.Stderr,
		ExtraEnv: []string{
			// The media worker: a short ack wait (a killed worker's job comes back in 3 s), short
			// retries, three attempts, and ffmpeg behind the wrapper.
			"TIKTOK_WORKER_ACK_WAIT=3s", "TIKTOK_WORKER_RETRY_MIN=200ms", "TIKTOK_WORKER_RETRY_MAX=1s",
			"TIKTOK_WORKER_MAX_ATTEMPTS=3", "TIKTOK_FFMPEG=" + wrapper,
			// The gateway: the burst of publishes from one address is the point of a test here, so
			// neither the rate limit nor the bound of probes at once (both tested elsewhere) refuse it.
			"TIKTOK_RATE_LIMIT=off", "TIKTOK_MEDIA_MAX_TOOL_RUNS=16",
		},
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
	e.stack = stack
	shared = e
	code := m.Run()
	if code == 0 {
		os.RemoveAll(varDir)
	} else {
		fmt.Fprintln(os.Stderr, "pipeline: logs of the stack are in", stack.LogDir())
	}
	return code, nil
}

// writeSlowFFmpeg writes the ffmpeg the worker runs: the real one, slowed down while slowFlag
// exists.
func writeSlowFFmpeg(dir, slowFlag, startedFlag string) (string, error) {
	path := filepath.Join(dir, "ffmpeg-wrapper")
	script := fmt.Sprintf("#!/bin/sh\nif [ -e %q ]; then touch %q; sleep 5; fi\nexec ffmpeg \"$@\"\n", slowFlag, startedFlag)
	return path, os.WriteFile(path, []byte(script), 0o755)
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
