// Package bootstrap is the common start of every RPC service's composition root: it reads the
// -config flag, loads and checks the config, and builds the logger, the tracer, the database and
// the Kitex options from it. Each service's run() takes it from there.
package bootstrap

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/klog"
	"github.com/cloudwego/kitex/server"
	"github.com/opentracing/opentracing-go"
	"gorm.io/gorm"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/logging"
	"simpletiktok/pkg/rpc"
	"simpletiktok/pkg/tracing"
)

// Service holds what every RPC service is built from.
type Service struct {
	Name   string
	Config config.Service
	Log    *slog.Logger
	Tracer opentracing.Tracer

	closers []io.Closer
}

// New parses args (the -config flag), loads the config and sets up logging and tracing.
func New(name string, args []string) (*Service, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	path := fs.String("config", "config.yaml", "path of the YAML config file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	s := &Service{Name: name}
	if err := config.Load(*path, &s.Config); err != nil {
		return nil, err
	}
	log, err := logging.New(name, s.Config.Log.Level)
	if err != nil {
		return nil, err
	}
	s.Log = log
	klog.SetLevel(klog.LevelWarn)
	tracer, closer, err := tracing.New(name, s.Config.Tracing)
	if err != nil {
		return nil, err
	}
	s.Tracer = tracer
	s.closers = append(s.closers, closer)
	return s, nil
}

// OpenDB opens (creating if needed) the service's own schema.
func (s *Service) OpenDB(ctx context.Context) (*gorm.DB, error) {
	gdb, err := db.Open(ctx, s.Config.MySQL, s.Tracer, s.Log)
	if err != nil {
		return nil, err
	}
	if sqlDB, err := gdb.DB(); err == nil {
		s.closers = append(s.closers, sqlDB)
	}
	return gdb, nil
}

// ServerOptions are the Kitex server options of this service.
func (s *Service) ServerOptions() ([]server.Option, error) {
	return rpc.ServerOptions(s.Name, s.Config, s.Tracer, s.Log)
}

// ClientOptions are the Kitex client options for calling another service from this one.
func (s *Service) ClientOptions() ([]client.Option, error) {
	return rpc.ClientOptions(s.Config.Etcd, s.Config.Client, s.Tracer)
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

// Close flushes spans and closes the database, in reverse order of opening.
func (s *Service) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i].Close(); err != nil {
			s.Log.Warn("close", "error", err)
		}
	}
}
