package bootstrap

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"time"

	"github.com/cloudwego/kitex/pkg/klog"
	"github.com/opentracing/opentracing-go"
	"github.com/prometheus/client_golang/prometheus"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/config"
	"simpletiktok/pkg/logging"
	"simpletiktok/pkg/memory"
	"simpletiktok/pkg/metrics"
	"simpletiktok/pkg/tracing"
)

// Process is what every process of the system starts with, whatever it serves: a JSON logger
// (Kitex's and the Redis client's lines go through it too), a tracer, a metrics registry with the
// RPC call metrics, and its admin server (/metrics, /healthz, /readyz). The services (Run), the
// gateway and the media worker all start with Start and end with Close.
type Process struct {
	Name   string
	Log    *slog.Logger
	Tracer opentracing.Tracer
	// Metrics is the process's registry, served on the admin port; a process registers the metric
	// sets of its own parts on it (metrics.NewCache, metrics.NewQueue, metrics.NewHTTP).
	Metrics *prometheus.Registry
	Calls   *metrics.RPC // its RPC calls, as client and as server
	Admin   *metrics.Admin
	closers []io.Closer
}

// Config is a binary's whole config: Load fills and checks it, and Common gives the sections
// every process is set up from.
type Config interface {
	config.Validator
	Common() config.Process
}

// Start reads args (-config, and the flags that flags, when not nil, adds), loads cfg from the
// file and the environment, and sets the process up. The admin server is not started yet
// (StartAdmin).
func Start(name string, args []string, cfg Config, flags func(*flag.FlagSet)) (*Process, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	path := fs.String("config", "config.yaml", "path of the YAML config file")
	if flags != nil {
		flags(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := config.Load(*path, cfg); err != nil {
		return nil, err
	}
	common := cfg.Common()
	log, err := logging.New(name, common.Log.Level)
	if err != nil {
		return nil, err
	}
	// Kitex logs what it alone sees (a handler's panic, a registry failure) through the same JSON
	// logger; its chatter below warn is dropped.
	klog.SetLogger(logging.Kitex(log, klog.LevelWarn))
	cache.RouteLibraryLogs(log)
	memory.Tune(log)
	tracer, closer, err := tracing.New(name, common.Env, common.Tracing)
	if err != nil {
		return nil, err
	}
	p := &Process{Name: name, Log: log, Tracer: tracer, Metrics: metrics.NewRegistry(), closers: []io.Closer{closer}}
	if p.Calls, err = metrics.NewRPC(p.Metrics); err != nil {
		p.Close()
		return nil, err
	}
	p.Admin = metrics.NewAdmin(common.Admin, p.Metrics, log)
	return p, nil
}

// StartAdmin starts the admin server; Close stops it. A process starts it before anything that
// takes time, so that a busy admin port stops the start at once and the process answers /healthz
// (not yet /readyz) while it starts.
func (p *Process) StartAdmin() error {
	if err := p.Admin.Start(); err != nil {
		return err
	}
	p.AddCloser(CloserFunc(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return p.Admin.Close(ctx)
	}))
	return nil
}

// AddCloser has Close close c too, before whatever was opened earlier (a connection the process
// opened itself, a background loop to stop).
func (p *Process) AddCloser(c io.Closer) {
	p.closers = append(p.closers, c)
}

// CloserFunc makes a function an io.Closer, for AddCloser.
type CloserFunc func() error

func (f CloserFunc) Close() error { return f() }

// Close closes what the process opened, in reverse order of opening: spans are flushed last.
func (p *Process) Close() {
	for i := len(p.closers) - 1; i >= 0; i-- {
		if err := p.closers[i].Close(); err != nil {
			p.Log.Warn("close", "error", err)
		}
	}
}
