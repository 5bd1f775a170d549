package main

import (
	"errors"
	"fmt"
	"time"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/mediastore"
)

// workerConfig is the whole config of the media worker.
type workerConfig struct {
	Env     config.Env     `yaml:"env" env:"TIKTOK_ENV"`
	Etcd    config.Etcd    `yaml:"etcd"`
	Tracing config.Tracing `yaml:"tracing"`
	Log     config.Log     `yaml:"log"`
	Client  config.Client  `yaml:"client"`
	Admin   config.Admin   `yaml:"admin"`
	NATS    config.NATS    `yaml:"nats"`
	Media   mediaConfig    `yaml:"media"`
	Worker  jobsConfig     `yaml:"worker"`
}

// mediaConfig is where the media are (the same settings as the gateway's, so that both reach the
// same files) and how ffmpeg runs.
type mediaConfig struct {
	mediastore.Config `yaml:",inline"`
	FFmpeg            string        `yaml:"ffmpeg" env:"TIKTOK_FFMPEG"`
	ToolTimeout       time.Duration `yaml:"tool_timeout"`
}

// jobsConfig is how jobs are consumed.
type jobsConfig struct {
	Concurrency   int           `yaml:"concurrency" env:"TIKTOK_WORKER_CONCURRENCY"`
	MaxAttempts   int           `yaml:"max_attempts" env:"TIKTOK_WORKER_MAX_ATTEMPTS"`
	AckWait       time.Duration `yaml:"ack_wait" env:"TIKTOK_WORKER_ACK_WAIT"`
	RetryMin      time.Duration `yaml:"retry_min" env:"TIKTOK_WORKER_RETRY_MIN"`
	RetryMax      time.Duration `yaml:"retry_max" env:"TIKTOK_WORKER_RETRY_MAX"`
	ShutdownGrace time.Duration `yaml:"shutdown_grace"`
}

// Common gives the sections every process is set up from (bootstrap.Start).
func (c *workerConfig) Common() config.Process {
	return config.Process{Env: c.Env, Tracing: c.Tracing, Log: c.Log, Admin: c.Admin}
}

func (c *workerConfig) Validate() error {
	errs := []error{c.Env.Validate(), c.Etcd.Validate(), c.Tracing.Validate(), c.Client.Validate(), c.Admin.Validate(c.Env), c.NATS.Validate()}
	if c.NATS.URL == "" {
		errs = append(errs, errors.New("nats.url is empty: the worker consumes its jobs from NATS (set it or TIKTOK_NATS_URL)"))
	}
	errs = append(errs, c.Media.Validate(c.Env)...)
	if c.Media.FFmpeg == "" {
		errs = append(errs, errors.New("media.ffmpeg names the program that makes covers, e.g. ffmpeg"))
	}
	if c.Media.ToolTimeout <= 0 {
		errs = append(errs, errors.New("media.tool_timeout must be positive, e.g. 120s"))
	}
	w := c.Worker
	if w.Concurrency < 1 || w.Concurrency > 64 {
		errs = append(errs, fmt.Errorf("worker.concurrency must be 1 to 64 (each job is one ffmpeg process), got %d", w.Concurrency))
	}
	if w.MaxAttempts < 1 {
		errs = append(errs, fmt.Errorf("worker.max_attempts must be at least 1, got %d", w.MaxAttempts))
	}
	if w.AckWait < time.Second {
		errs = append(errs, fmt.Errorf("worker.ack_wait must be at least 1s, got %s", w.AckWait))
	}
	if w.RetryMin <= 0 || w.RetryMax < w.RetryMin {
		errs = append(errs, errors.New("worker.retry_min must be positive and worker.retry_max at least as long, e.g. 2s and 2m"))
	}
	if w.ShutdownGrace <= 0 {
		errs = append(errs, errors.New("worker.shutdown_grace must be positive, e.g. 20s"))
	}
	return errors.Join(errs...)
}
