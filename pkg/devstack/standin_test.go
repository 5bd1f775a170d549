//go:build integration

package devstack

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"simpletiktok/pkg/mediajob"
)

// The test binary doubles as a stand-in for the six services, the media worker and the gateway, which other
// people build and which may not compile at any given moment: with standInEnv set it acts like
// one of them towards devstack (the same flags, environment, registration and health check)
// instead of running the tests.
const (
	standInEnv     = "DEVSTACK_STANDIN"
	standInFailEnv = "DEVSTACK_STANDIN_FAIL" // name of a stand-in that must fail at start
	// standInFailMigrateEnv names a stand-in whose migration step must fail.
	standInFailMigrateEnv = "DEVSTACK_STANDIN_FAIL_MIGRATE"
	// standInFailFileEnv names a file: while it holds a stand-in's name, that stand-in fails at
	// start (a restart that cannot succeed until the test says so).
	standInFailFileEnv = "DEVSTACK_STANDIN_FAIL_FILE"
)

func TestMain(m *testing.M) {
	if os.Getenv(standInEnv) != "" {
		os.Exit(runStandIn(os.Args[1:]))
	}
	if spec := os.Getenv(orphanEnv); spec != "" {
		os.Exit(runOrphanOwner(spec))
	}
	os.Exit(m.Run())
}

// runStandIn behaves like bin/<name> -config <root>/.../<name>/config.yaml.
func runStandIn(args []string) int {
	fs := flag.NewFlagSet("standin", flag.ContinueOnError)
	config := fs.String("config", "", "config path; its folder names the program")
	migrateOnly := fs.Bool("migrate-only", false, "act as the migration step: log the environment and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	name := filepath.Base(filepath.Dir(*config))
	if *migrateOnly {
		if os.Getenv(standInFailMigrateEnv) == name {
			fmt.Fprintf(os.Stderr, "%s: simulated failure: migration 2 failed\n", name)
			return 5
		}
		logEnv(name + " -migrate-only")
		return 0
	}
	if os.Getenv(standInFailEnv) == name {
		fmt.Fprintf(os.Stderr, "%s: simulated failure: cannot reach MySQL\n", name)
		return 3
	}
	if path := os.Getenv(standInFailFileEnv); path != "" {
		if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) == name {
			fmt.Fprintf(os.Stderr, "%s: simulated failure: bad config\n", name)
			return 4
		}
	}
	logEnv(name)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var err error
	switch name {
	case "api-gateway":
		err = standInGateway(ctx, os.Getenv("TIKTOK_HTTP_ADDR"))
	case "media-worker":
		err = standInWorker(ctx, os.Getenv("TIKTOK_NATS_URL"))
	default:
		err = standInService(ctx, name, os.Getenv("TIKTOK_LISTEN_ADDR"), os.Getenv("TIKTOK_ADVERTISE_ADDR"), os.Getenv("TIKTOK_ETCD_ENDPOINTS"))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

// logEnv writes the TIKTOK_* environment as one JSON line, so that a test can check what
// devstack passed.
func logEnv(name string) {
	env := map[string]string{"msg": "stand-in started", "name": name}
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "TIKTOK_") {
			env[k] = v
		}
	}
	line, _ := json.Marshal(env)
	fmt.Println(string(line))
}

func standInGateway(ctx context.Context, addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(l); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// standInWorker pulls on the media consumer, as the media worker does, and leaves what it gets.
func standInWorker(ctx context.Context, url string) error {
	nc, err := nats.Connect(url)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	if err := mediajob.EnsureStreams(ctx, js); err != nil {
		return err
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, mediajob.Stream, jetstream.ConsumerConfig{
		Durable: mediajob.Consumer, FilterSubject: mediajob.Subject, AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		return err
	}
	for ctx.Err() == nil {
		_, _ = cons.Next(jetstream.FetchMaxWait(time.Second))
	}
	return nil
}

// standInService listens like a Kitex server and registers under the key registry-etcd uses:
// its advertised address, when it has one (server.advertise), else the one it listens on.
func standInService(ctx context.Context, name, addr, advertise, etcdAddr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer l.Close()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{etcdAddr}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return err
	}
	defer cli.Close()
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if advertise == "" {
		advertise = addr
	}
	if _, err := cli.Put(pctx, registryPrefix+name+"/"+advertise, `{"network":"tcp"}`); err != nil {
		return fmt.Errorf("register: %w", err)
	}
	<-ctx.Done()
	return nil
}
