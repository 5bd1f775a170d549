// Command devstack is `make run`: it starts etcd, Jaeger, Prometheus, NATS, the six services, the
// media worker and the API gateway from bin/ on their default ports (with -replicas 2, two
// instances of each service and two gateways), prints where they are, restarts any of them that
// exits, and stops them all on Ctrl-C or SIGTERM. With -lan (`make run LAN=1`) the gateway also
// serves a phone on the local network.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"simpletiktok/pkg/devstack"
)

// defaultDSN is the local MariaDB/MySQL of a development machine; MYSQL_DSN overrides it.
const defaultDSN = "root:@tcp(127.0.0.1:3306)/"

// defaultRedis is the local Redis of a development machine; REDIS_ADDR overrides it.
const defaultRedis = "127.0.0.1:6379"

// mysqlCheckTimeout bounds the MySQL check, so that devstack never hangs on an unreachable server.
const mysqlCheckTimeout = 10 * time.Second

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(1)
	}
}

type options struct {
	root, dsn, redis, varDir, schemaPrefix string
	failFast, freePorts, lan               bool
	publicURL                              string
	replicas                               int
}

// publicURLFromEnv is the default of -public-url: PUBLIC_URL (what `make run PUBLIC_URL=...`
// passes), else the gateway's own TIKTOK_PUBLIC_BASE_URL, which the stack would otherwise
// override with its own address.
func publicURLFromEnv() string {
	if u := os.Getenv("PUBLIC_URL"); u != "" {
		return u
	}
	return os.Getenv("TIKTOK_PUBLIC_BASE_URL")
}

func parseFlags(args []string) (options, error) {
	dsn := defaultDSN
	if env := os.Getenv("MYSQL_DSN"); env != "" {
		dsn = env
	}
	redisAddr := defaultRedis
	if env := os.Getenv("REDIS_ADDR"); env != "" {
		redisAddr = env
	}
	var o options
	fs := flag.NewFlagSet("devstack", flag.ContinueOnError)
	fs.StringVar(&o.root, "root", ".", "repository root (binaries in <root>/bin)")
	fs.StringVar(&o.dsn, "mysql", dsn, "MySQL server DSN without a database (default from MYSQL_DSN if set)")
	fs.StringVar(&o.redis, "redis", redisAddr, "Redis address, the services' cache (default from REDIS_ADDR if set)")
	fs.StringVar(&o.varDir, "var", "", "state folder for logs, etcd data and media (default <root>/var)")
	fs.BoolVar(&o.freePorts, "free-ports", false, "listen on free ports instead of the defaults (the summary names them): a second stack beside `make run`; use another -var and -schema-prefix too")
	fs.StringVar(&o.schemaPrefix, "schema-prefix", "", "prefix of the services' MySQL schemas (default tiktok_)")
	fs.BoolVar(&o.failFast, "fail-fast", false, "stop the whole stack when a process exits, instead of restarting it")
	fs.IntVar(&o.replicas, "replicas", 1, "instances of each service and of the gateway: 1, or 2 (a second gateway on :8090, services on 8891 … 8896)")
	fs.BoolVar(&o.lan, "lan", false, "serve a phone on the local network: the gateway listens on every interface and media URLs name this machine's LAN address (everything else stays on loopback)")
	fs.StringVar(&o.publicURL, "public-url", publicURLFromEnv(), "base URL the phone reaches the gateway at, named in media URLs, e.g. http://192.168.1.20:8080 (default from PUBLIC_URL or TIKTOK_PUBLIC_BASE_URL if set)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.varDir == "" {
		o.varDir = filepath.Join(o.root, "var")
	}
	if o.replicas < 1 || o.replicas > 2 {
		return o, fmt.Errorf("-replicas %d: 1 or 2", o.replicas)
	}
	return o, nil
}

func run(args []string, out io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	// Ctrl-C and SIGTERM both mean "stop everything", during the start as well as after it.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	if err := checkPrerequisites(ctx, o, out); err != nil {
		return err
	}
	fmt.Fprintln(out, "starting the stack (logs in", filepath.Join(o.varDir, "log")+")")
	start := func(ctx context.Context, opts devstack.Options) (*devstack.Stack, error) {
		opts.Ports = devstack.DefaultPorts()
		return devstack.Start(ctx, opts)
	}
	if o.freePorts {
		start = func(ctx context.Context, opts devstack.Options) (*devstack.Stack, error) {
			stack, _, err := devstack.StartOnFreePorts(ctx, opts)
			return stack, err
		}
	}
	stack, err := start(ctx, devstack.Options{
		Root:         o.root,
		VarDir:       o.varDir,
		MySQLDSN:     o.dsn,
		SchemaPrefix: o.schemaPrefix,
		Out:          out,
		FailFast:     o.failFast,
		Replicas:     o.replicas,
		// The services' cache; each keeps its keys under its own schema's name.
		ExtraEnv:  []string{"TIKTOK_REDIS_ADDR=" + o.redis},
		LAN:       o.lan,
		PublicURL: o.publicURL,
	})
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(out, "interrupted during the start; everything started was stopped")
			return nil
		}
		return err
	}
	printSummary(out, stack, o.failFast)
	return waitAndStop(ctx, out, stack)
}

// checkPrerequisites fails fast, before any process starts, on the usual problems.
func checkPrerequisites(ctx context.Context, o options, out io.Writer) error {
	fmt.Fprintln(out, "checking MySQL")
	mctx, cancel := context.WithTimeout(ctx, mysqlCheckTimeout)
	defer cancel()
	if err := devstack.CheckMySQL(mctx, o.dsn); err != nil {
		return err
	}
	fmt.Fprintln(out, "checking Redis at", o.redis)
	if err := devstack.CheckRedis(ctx, o.redis, os.Getenv("TIKTOK_REDIS_PASSWORD")); err != nil {
		return err
	}
	fmt.Fprintln(out, "checking the binaries in", filepath.Join(o.root, "bin"))
	return devstack.CheckBinaries(o.root)
}

func printSummary(out io.Writer, s *devstack.Stack, failFast bool) {
	onExit := "A process that exits is restarted (one line here per exit and restart)."
	if failFast {
		onExit = "A process that exits stops the whole stack (-fail-fast)."
	}
	fmt.Fprintf(out, `
The stack is running.
  API gateway   %[1]s  (e.g. GET %[2]s/healthz)
  Jaeger query  %[3]s  (API only: %[3]s/api/services, %[3]s/api/traces?service=api-gateway)
  Prometheus    %[4]s  (API only: %[4]s/api/v1/query?query=up, %[4]s/api/v1/alerts)
  NATS          %[5]s  (JetStream; media jobs on video.uploaded, given-up ones on video.uploaded.dead)
  logs          %[6]s  (one <name>.log per process)
`, strings.Join(s.GatewayURLs(), ", "), s.GatewayURL(), s.JaegerQueryURL(), s.PrometheusURL(), s.NATSURL(), s.LogDir())
	printInstances(out, s)
	printConnect(out, s)
	fmt.Fprintf(out, "%s\nPress Ctrl-C to stop.\n", onExit)
}

// printConnect says what to type into the phone app, and who else can reach the gateway.
func printConnect(out io.Writer, s *devstack.Stack) {
	if !s.Exposed() {
		fmt.Fprintf(out, "Connect the app: %s reaches this machine only (a phone over `adb reverse`); `make run LAN=1` serves a phone on your network.\n", s.PublicURL())
		return
	}
	fmt.Fprintf(out, "Connect the app: type %s into the app's server address.\n", s.PublicURL())
	fmt.Fprintln(out, "  Every machine that reaches this one reaches the gateway (the other processes stay on loopback).")
	if path := s.JWTSecretPath(); path != "" {
		fmt.Fprintf(out, "  Tokens are signed with the random secret kept in %s, not the development one.\n", path)
	}
}

// printInstances lists every instance of the gateway, the services and the media worker: its
// address and its admin port (/metrics, /healthz, /readyz).
func printInstances(out io.Writer, s *devstack.Stack) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  process\taddress\tadmin (/metrics, /healthz, /readyz)")
	gateways := s.GatewayURLs()
	for i, name := range s.Instances("api-gateway") {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", name, gateways[i], s.AdminURL(name))
	}
	for _, service := range devstack.ServiceNames() {
		for _, name := range s.Instances(service) {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", name, s.ServiceAddr(name), s.AdminURL(name))
		}
	}
	fmt.Fprintf(tw, "  media-worker\t(no port of its own)\t%s\n", s.AdminURL("media-worker"))
	_ = tw.Flush()
}

// waitAndStop blocks until a signal (a clean stop) or, with -fail-fast, a process's death (an
// error naming it). A supervised stack reports no death: it restarts the process.
func waitAndStop(ctx context.Context, out io.Writer, s *devstack.Stack) error {
	var failure error
	select {
	case <-ctx.Done():
		fmt.Fprintln(out, "\nstopping the stack")
	case failure = <-s.Done():
		fmt.Fprintln(out, "a process died; stopping the stack")
	}
	stopErr := s.Stop()
	if failure != nil {
		return errors.Join(failure, stopErr)
	}
	if stopErr != nil {
		return stopErr
	}
	fmt.Fprintln(out, "stopped")
	return nil
}
