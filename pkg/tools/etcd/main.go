// Command etcd runs a single-member etcd server in-process for the local stack. It exists so that
// `make build` gets an etcd from the Go module proxy alone, without a system package.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// readyTimeout bounds how long the server may take to join its (one-member) cluster.
const readyTimeout = 30 * time.Second

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "etcd:", err)
		os.Exit(1)
	}
}

type options struct {
	dataDir    string
	clientAddr string
	peerAddr   string
	name       string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("etcd", flag.ContinueOnError)
	fs.StringVar(&o.dataDir, "data-dir", "default.etcd", "directory for the data and the write-ahead log")
	fs.StringVar(&o.clientAddr, "client-addr", "127.0.0.1:2379", "host:port to serve clients on (plain HTTP)")
	fs.StringVar(&o.peerAddr, "peer-addr", "127.0.0.1:2380", "host:port for peer traffic")
	fs.StringVar(&o.name, "name", "devstack", "member name")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return o, nil
}

// httpURL turns host:port into http://host:port, rejecting anything else early so that the error
// names the flag instead of surfacing from deep inside etcd.
func httpURL(flagName, addr string) (url.URL, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return url.URL{}, fmt.Errorf("-%s: %q is not host:port", flagName, addr)
	}
	return url.URL{Scheme: "http", Host: addr}, nil
}

func newConfig(o options) (*embed.Config, error) {
	client, err := httpURL("client-addr", o.clientAddr)
	if err != nil {
		return nil, err
	}
	peer, err := httpURL("peer-addr", o.peerAddr)
	if err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Name = o.name
	cfg.Dir = o.dataDir
	cfg.ListenClientUrls = []url.URL{client}
	cfg.AdvertiseClientUrls = []url.URL{client}
	cfg.ListenPeerUrls = []url.URL{peer}
	cfg.AdvertisePeerUrls = []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(o.name)
	return cfg, nil
}

// newLogger writes etcd's JSON log lines to stderr at warn level: info-level etcd logs are a
// screenful per start and the local stack only needs problems. The level is returned so that it
// can be raised during shutdown, when etcd reports every closed listener as an error.
func newLogger() (*zap.Logger, zap.AtomicLevel) {
	level := zap.NewAtomicLevelAt(zapcore.WarnLevel)
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = zapcore.ISO8601TimeEncoder
	enc := zapcore.NewJSONEncoder(encCfg)
	core := zapcore.NewCore(enc, zapcore.Lock(os.Stderr), level)
	return zap.New(core, zap.AddCaller()), level
}

func run(args []string) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	cfg, err := newConfig(o)
	if err != nil {
		return err
	}
	lg, level := newLogger()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(lg)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	// Close waits for the listeners to be released, so the ports are free once the process exits.
	defer func() {
		level.SetLevel(zapcore.FatalLevel)
		e.Close()
	}()

	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(readyTimeout):
		return errors.New("server not ready after " + readyTimeout.String())
	case <-ctx.Done():
		return nil
	}
	// One JSON line like the rest of the stack's logs, so a reader of the log knows it came up.
	line, _ := json.Marshal(map[string]string{"level": "info", "msg": "etcd ready", "client_url": "http://" + o.clientAddr})
	fmt.Fprintln(os.Stderr, string(line))

	select {
	case <-ctx.Done():
		return nil
	case err := <-e.Err():
		return fmt.Errorf("server failed: %w", err)
	}
}
