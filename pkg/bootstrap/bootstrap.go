// Package bootstrap is the one start of every process: Start reads the flags and the config and
// builds the logger, the tracer, the metrics and the admin server, for the gateway, the media
// worker and the services alike; Run is the whole composition root of an RPC service on top of
// it (the migration step, the database, the cache, the peers, the Kitex server).
package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync/atomic"
	"time"

	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/server"
	"gorm.io/gorm"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/config"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/kitex_gen/user/userservice"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
	"simpletiktok/pkg/metrics"
	"simpletiktok/pkg/peers"
	"simpletiktok/pkg/rpc"
)

// Service holds what every RPC service is built from: the Process every binary starts with, and
// the service's own config.
type Service struct {
	*Process
	Config config.Service

	statements *metrics.DB
	registered atomic.Bool // in etcd: set by the RPC server's registry
	migration  migration   // what -migrate-only / -migrate-to asked for
	schema     fs.FS       // the service's SQL migrations, set by Run
}

// New parses args (-config and the migration flags), loads the config and starts the process
// (Start), with the statement metrics and an admin server whose /readyz needs the service
// registered in etcd (and, once OpenDB has run, its database).
func New(name string, args []string) (*Service, error) {
	s := &Service{}
	p, err := Start(name, args, &s.Config, s.migration.register)
	if err != nil {
		return nil, err
	}
	s.Process = p
	if s.statements, err = metrics.NewDB(s.Metrics); err != nil {
		s.Close()
		return nil, err
	}
	s.Admin.AddCheck("etcd", func(context.Context) error {
		if !s.registered.Load() {
			return errNotRegistered
		}
		return nil
	})
	return s, nil
}

var errNotRegistered = errors.New("not registered (starting, or stopping)")

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
	s.Admin.AddCheck("mysql", sqlDB.PingContext)
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
	return rpc.ServerOptions(s.Name, s.Config, s.Tracer, s.Log, rpc.Observers{Calls: s.Calls, Registered: s.registered.Store})
}

// ClientOptions are the Kitex client options for calling another service from this one.
func (s *Service) ClientOptions() ([]client.Option, error) {
	return rpc.ClientOptions(s.Config.Etcd, s.Config.Client, s.Tracer, s.Log, s.Calls)
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
