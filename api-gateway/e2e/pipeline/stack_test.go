//go:build integration

// Package pipeline drives the media pipeline of a real stack of its own (the gateway, the video
// service, NATS JetStream, the media worker) through its failures: concurrent publishes, a
// worker killed mid-job, a file ffmpeg cannot read, and NATS away during a publish. It kills and
// restarts processes, so it runs apart from the shared e2e stack.
package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"simpletiktok/api-gateway/e2e/e2etest"
	"simpletiktok/pkg/devstack"
)

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
	e := &env{}
	e2etest.Main(m, e2etest.Options{Name: "pipeline", Schema: "pipe", KillsProcesses: true,
		Prepare: func(varDir string) ([]string, func(), error) {
			e.varDir, e.slowFlag, e.startedFlag = varDir, filepath.Join(varDir, "ffmpeg-slow"), filepath.Join(varDir, "ffmpeg-started")
			wrapper, err := writeSlowFFmpeg(varDir, e.slowFlag, e.startedFlag)
			if err != nil {
				return nil, nil, err
			}
			return []string{
				// The media worker: a short ack wait (a killed worker's job comes back in 3 s), short
				// retries, three attempts, and ffmpeg behind the wrapper.
				"TIKTOK_WORKER_ACK_WAIT=3s", "TIKTOK_WORKER_RETRY_MIN=200ms", "TIKTOK_WORKER_RETRY_MAX=1s",
				"TIKTOK_WORKER_MAX_ATTEMPTS=3", "TIKTOK_FFMPEG=" + wrapper,
				// The gateway: the burst of publishes from one address is the point of a test here, so
				// neither the rate limit nor the bound of probes at once (both tested elsewhere) refuse it.
				"TIKTOK_RATE_LIMIT=off", "TIKTOK_MEDIA_MAX_TOOL_RUNS=16",
			}, nil, nil
		},
	}, func(s *e2etest.Suite) {
		e.stack = s.Stack
		shared = e
	})
}

// writeSlowFFmpeg writes the ffmpeg the worker runs: the real one, slowed down while slowFlag
// exists.
func writeSlowFFmpeg(dir, slowFlag, startedFlag string) (string, error) {
	path := filepath.Join(dir, "ffmpeg-wrapper")
	script := fmt.Sprintf("#!/bin/sh\nif [ -e %q ]; then touch %q; sleep 5; fi\nexec ffmpeg \"$@\"\n", slowFlag, startedFlag)
	return path, os.WriteFile(path, []byte(script), 0o755)
}
