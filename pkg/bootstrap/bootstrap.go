// Package bootstrap is the common start of every RPC service's composition root: it reads the
// flags (-config, and -migrate-only or -migrate-to for the migration step), loads and checks the
// config, and builds the logger, the tracer, the metrics and their admin server, the database and
// the Kitex options from it. Each service's run() takes it from there.
package bootstrap

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/klog"
	"github.com/cloudwego/kitex/server"
	"github.com/opentracing/opentracing-go"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/config"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/kitex_gen/user/userservice"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
	"simpletiktok/pkg/logging"
	"simpletiktok/pkg/metrics"
	"simpletiktok/pkg/peers"
	"simpletiktok/pkg/rpc"
	"simpletiktok/pkg/tracing"
)

// Service holds what every RPC service is built from.
type Service struct {
	Name   string
	Config config.Service
	Log    *slog.Logger
	Tracer opentracing.Tracer
	// Metrics is the process's registry, served on the admin port; a service registers the metric
	// sets of its own parts on it (metrics.NewCache, metrics.NewQueue).
	Metrics *prometheus.Registry

	calls      *metrics.RPC
	statements *metrics.DB
	admin      *metrics.Admin
	registered atomic.Bool // in etcd: set by the RPC server's registry
	migration  migration   // what -migrate-only / -migrate-to asked for
	schema     fs.FS       // the service's SQL migrations, set by Run
	closers    []io.Closer
}

// New parses args (-config and the migration flags), loads the config and sets up logging and
// tracing.
func New(name string, args []string) (*Service, error) {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	path := flags.String("config", "config.yaml", "path of the YAML config file")
	var mig migration
	mig.register(flags)
	if err := flags.Parse(args); err != nil {
		return nil, err
	}
	s := &Service{Name: name, migration: mig}
	if err := config.Load(*path, &s.Config); err != nil {
		return nil, err
	}
	log, err := logging.New(name, s.Config.Log.Level)
	if err != nil {
		return nil, err
	}
	s.Log = log
	// Kitex logs what it alone sees (a handler's panic, a registry failure) through the same JSON
	// logger; its chatter below warn is dropped.
	klog.SetLogger(logging.Kitex(log, klog.LevelWarn))
	cache.RouteLibraryLogs(log)
	tracer, closer, err := tracing.New(name, s.Config.Env, s.Config.Tracing)
	if err != nil {
		return nil, err
	}
	s.Tracer = tracer
	s.closers = append(s.closers, closer)
	if err := s.setUpMetrics(); err != nil {
		return nil, err
	}
	return s, nil
}

// setUpMetrics builds the registry with the call and statement metrics, and the admin server
// whose /readyz needs the service registered in etcd (and, once OpenDB has run, its database).
func (s *Service) setUpMetrics() error {
	s.Metrics = metrics.NewRegistry()
	var err error
	if s.calls, err = metrics.NewRPC(s.Metrics); err != nil {
		return err
	}
	if s.statements, err = metrics.NewDB(s.Metrics); err != nil {
		return err
	}
	s.admin = metrics.NewAdmin(s.Config.Admin.Listen, s.Metrics, s.Log)
	s.admin.AddCheck("etcd", func(context.Context) error {
		if !s.registered.Load() {
			return errNotRegistered
		}
		return nil
	})
	return nil
}

var errNotRegistered = errors.New("not registered (starting, or stopping)")

// StartAdmin starts the admin server (/metrics, /healthz, /readyz on admin.listen); Close stops it.
func (s *Service) StartAdmin() error {
	if err := s.admin.Start(); err != nil {
		return err
	}
	s.closers = append(s.closers, CloserFunc(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return s.admin.Close(ctx)
	}))
	return nil
}

// OpenDB opens the service's own schema, which the migration step has made: it creates and alters
// nothing, so the service can run with an account that may only read and write rows. It fails if
// the schema lacks a migration this binary has.
func (s *Service) OpenDB(ctx context.Context) (*gorm.DB, error) {
	gdb, err := db.Open(ctx, s.Config.MySQL, s.Tracer, s.Log)
	if err != nil {
		return nil, err
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, sqlDB)
	if err := s.statements.Instrument(gdb, s.Config.MySQL.Database); err != nil {
		return nil, err
	}
	s.admin.AddCheck("mysql", sqlDB.PingContext)
	if err := db.CheckMigrated(ctx, sqlDB, s.Config.MySQL.Database, s.schema); err != nil {
		return nil, err
	}
	return gdb, nil
}

// OpenCache opens the service's Redis cache, its keys prefixed with the name of the service's own
// schema ("tiktok_favorite:"), so that two stacks on one Redis never share a key. It does not
// fail when Redis is down: reads then go to MySQL until it answers.
// Its lookups are counted in tiktok_cache_requests_total{service,result}.
func (s *Service) OpenCache(ctx context.Context) (*cache.Cache, error) {
	counts, err := metrics.NewCache(s.Metrics, s.Name)
	if err != nil {
		return nil, err
	}
	c, err := cache.Open(ctx, cache.Options{Service: s.Name, Namespace: s.Config.MySQL.Database, Config: s.Config.Redis,
		Tracer: s.Tracer, Log: s.Log, Metrics: counts})
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, c)
	return c, nil
}

// UserPeer is how this service asks the user service about accounts.
func (s *Service) UserPeer() (*peers.Users, error) {
	opts, err := s.ClientOptions()
	if err != nil {
		return nil, err
	}
	c, err := rpc.NewClient(userservice.NewClient, rpc.UserService, opts, s.Config.Client)
	if err != nil {
		return nil, fmt.Errorf("user service client: %w", err)
	}
	return peers.NewUsers(c), nil
}

// VideoPeer is how this service asks the video service about videos.
func (s *Service) VideoPeer() (*peers.Videos, error) {
	opts, err := s.ClientOptions()
	if err != nil {
		return nil, err
	}
	c, err := rpc.NewClient(videoservice.NewClient, rpc.VideoService, opts, s.Config.Client)
	if err != nil {
		return nil, fmt.Errorf("video service client: %w", err)
	}
	return peers.NewVideos(c), nil
}

// ServerOptions are the Kitex server options of this service.
func (s *Service) ServerOptions() ([]server.Option, error) {
	return rpc.ServerOptions(s.Name, s.Config, s.Tracer, s.Log, rpc.Observers{Calls: s.calls, Registered: s.registered.Store})
}

// ClientOptions are the Kitex client options for calling another service from this one.
func (s *Service) ClientOptions() ([]client.Option, error) {
	return rpc.ClientOptions(s.Config.Etcd, s.Config.Client, s.Tracer, s.Log, s.calls)
}

// Serve runs a Kitex server until SIGINT/SIGTERM, when Kitex deregisters it from etcd and waits
// for in-flight calls (server.shutdown_grace) before returning.
func (s *Service) Serve(svr server.Server) error {
	s.Log.Info("serving", "listen", s.Config.Server.Listen, "etcd", s.Config.Etcd.Endpoints)
	start := time.Now()
	err := svr.Run()
	s.Log.Info("stopped", "uptime", time.Since(start).Round(time.Second).String())
	if err != nil {
		return fmt.Errorf("%s server: %w", s.Name, err)
	}
	return nil
}

// AddCloser has Close close c too, before whatever was opened earlier (a connection the
// service opened itself, a background loop to stop).
func (s *Service) AddCloser(c io.Closer) {
	s.closers = append(s.closers, c)
}

// CloserFunc makes a function an io.Closer, for AddCloser.
type CloserFunc func() error

func (f CloserFunc) Close() error { return f() }

// Close flushes spans and closes the database, in reverse order of opening.
func (s *Service) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i].Close(); err != nil {
			s.Log.Warn("close", "error", err)
		}
	}
}
