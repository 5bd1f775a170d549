// Package devstack runs the whole system on one machine from the binaries in bin/: etcd, Jaeger,
// Prometheus, NATS, the six RPC services, the media worker and the API gateway, each a child
// process logging to its own file. It is what `make run` starts and what the end-to-end test runs
// against.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	clientv3 "go.etcd.io/etcd/client/v3"
)

const (
	// readyTimeout bounds the wait for one process to become ready. A service may first create
	// its schema and migrate it, hence a generous bound; a healthy stack needs seconds.
	readyTimeout = 60 * time.Second
	// probeInterval is how often readiness is polled.
	probeInterval = 150 * time.Millisecond
	// probeTimeout bounds one readiness probe, so that a hung probe cannot eat the whole wait.
	probeTimeout = 2 * time.Second
	// stopGrace is how long Stop waits after SIGTERM before SIGKILL; the services' own graceful
	// stop (server.shutdown_grace) is 5 s.
	stopGrace = 10 * time.Second
)

// Options say where the stack lives and how it is wired.
type Options struct {
	Root         string    // repository root; binaries in Root/bin, configs in Root/services/<name>/config.yaml and Root/api-gateway/config.yaml
	VarDir       string    // state: VarDir/log (logs), VarDir/etcd (etcd data), VarDir/nats (streams), VarDir/media; default Root/var
	MySQLDSN     string    // server DSN without database, e.g. "root:@tcp(127.0.0.1:3306)/"
	SchemaPrefix string    // each service's schema is SchemaPrefix+name; default "tiktok_"
	Ports        Ports     // see DefaultPorts and FreePorts
	Out          io.Writer // one human line per step; nil = discard
	ExtraEnv     []string  // appended to every process's environment (tests use it)
	// Env is extra environment of one process, by process name ("comment", "comment-2",
	// "api-gateway"), appended after ExtraEnv, so that it wins: e.g. {"comment":
	// {"TIKTOK_ADVERTISE_ADDR=127.0.0.1:5555"}}. It applies to every start of that process, not to
	// a service's migration step.
	Env map[string][]string
	// Replicas is how many instances of each RPC service and of the gateway run: 0 or 1, one;
	// 2, a second instance of each ("comment-2", "api-gateway-2") on the ports of Ports.Second,
	// sharing etcd, MySQL, Redis and NATS with the first. The media worker stays one.
	Replicas int
	// FailFast turns supervision off: a process that exits after the start is not restarted but
	// reported on Done, for a caller that wants any crash to end the run.
	FailFast bool
	// LAN opens the gateways to the local network (public.go): they listen on every interface,
	// on their own ports, and name PublicHost in their media URLs. Every other process stays on
	// loopback.
	LAN bool
	// PublicHost is, with LAN, the address of this machine that a phone on the network reaches;
	// empty: the address LANAddress finds.
	PublicHost string
	// PublicURL, when set, is the base URL every gateway names in its media URLs, e.g.
	// "http://192.168.1.20:8080" or a tunnel's https URL; it overrides PublicHost.
	PublicURL string
}

// Stack is a running local stack. Stop it when done; its processes die with the program that
// started it in any case (see sysProcAttr).
//
// Once started, the stack supervises its processes: one that exits (a crash, a kill -9) is
// started again after a backoff (see supervise.go), with one line on Out per exit and restart.
// Only Stop ends the stack.
type Stack struct {
	opts     Options // defaults filled in, paths absolute
	logDir   string
	etcdDir  string
	natsDir  string
	mediaDir string
	runtime  *runtimeAccounts // the services' MySQL accounts (migrate.go), made by prepareService
	http     *http.Client
	etcd     *clientv3.Client // set by startEtcd, used for readiness probes only
	nats     *nats.Conn       // set by startNATS, used for readiness probes only

	ctx    context.Context // ends when Stop begins; bounds restarts
	cancel context.CancelFunc

	mu       sync.Mutex
	children []*child   // in start order
	procs    []*process // every process ever started, in start order
	failures []*ProcessError

	supervisors sync.WaitGroup
	stopping    chan struct{} // closed when Stop begins: exits after that are expected
	stopOnce    sync.Once
	stopErr     error

	failOnce sync.Once
	failed   chan struct{} // FailFast: closed at the first unexpected exit, after failure is set
	failure  error
	done     chan error // FailFast: receives failure once, for Done
}

// Start starts etcd, Jaeger, Prometheus, NATS, the six services, the media worker and the gateway,
// in that order, each once the one before is ready (with Options.Replicas 2, each service's and
// the gateway's second instance right after its first). If a process cannot start (it exits or is not
// ready in time on its first start), or ctx ends, it stops everything it started and returns an
// error quoting the failed process's last log lines. ctx bounds the start only: the stack runs
// until Stop.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	s, err := newStack(opts)
	if err != nil {
		return nil, err
	}
	if s.opts.MySQLDSN == "" {
		return nil, errors.New("devstack: Options.MySQLDSN is empty")
	}
	if err := CheckBinaries(s.opts.Root); err != nil {
		return nil, err
	}
	if err := s.opts.Ports.checkFree(s.replicas()); err != nil {
		return nil, err
	}
	if err := s.prepareDirs(); err != nil {
		return nil, err
	}
	steps := []func(context.Context) error{s.startEtcd, s.startJaeger, s.startPrometheus, s.startNATS, s.startServices, s.startWorker, s.startGateways}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			s.printf("start failed, stopping what was started")
			return nil, errors.Join(err, s.Stop())
		}
	}
	return s, nil
}

// newStack fills in the defaults and checks the options; it starts nothing.
func newStack(opts Options) (*Stack, error) {
	if opts.Root == "" {
		opts.Root = "."
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("devstack: root: %w", err)
	}
	opts.Root = root
	if opts.VarDir == "" {
		opts.VarDir = filepath.Join(root, "var")
	}
	// Absolute, because the processes run from Root and get these paths in their environment.
	if opts.VarDir, err = filepath.Abs(opts.VarDir); err != nil {
		return nil, fmt.Errorf("devstack: var dir: %w", err)
	}
	if opts.SchemaPrefix == "" {
		opts.SchemaPrefix = "tiktok_"
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	opts.ExtraEnv = slices.Clone(opts.ExtraEnv)
	env := make(map[string][]string, len(opts.Env))
	for name, kv := range opts.Env {
		env[name] = slices.Clone(kv)
	}
	opts.Env = env
	if err := checkReplicas(opts.Replicas); err != nil {
		return nil, err
	}
	if err := checkPublic(&opts); err != nil {
		return nil, err
	}
	if err := opts.Ports.validate(max(opts.Replicas, 1)); err != nil {
		return nil, fmt.Errorf("devstack: Options.Ports (see DefaultPorts and FreePorts): %w", err)
	}
	// Ended by Stop; until then it bounds the restarts.
	ctx, cancel := context.WithCancel(context.Background())
	return &Stack{
		opts:     opts,
		logDir:   filepath.Join(opts.VarDir, "log"),
		etcdDir:  filepath.Join(opts.VarDir, "etcd"),
		natsDir:  filepath.Join(opts.VarDir, "nats"),
		mediaDir: filepath.Join(opts.VarDir, "media"),
		http:     &http.Client{Timeout: probeTimeout},
		ctx:      ctx,
		cancel:   cancel,
		stopping: make(chan struct{}),
		failed:   make(chan struct{}),
		done:     make(chan error, 1),
	}, nil
}

// prepareDirs creates the state folders. The etcd data is wiped: the local stack keeps no
// registry state between runs, so stale registrations of a previous run cannot misroute calls.
func (s *Stack) prepareDirs() error {
	if err := os.RemoveAll(s.etcdDir); err != nil {
		return fmt.Errorf("devstack: wipe %s: %w", s.etcdDir, err)
	}
	for _, dir := range []string{s.logDir, s.natsDir, s.mediaDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("devstack: %w", err)
		}
	}
	return nil
}

// GatewayURL is the base URL of the API gateway (the first, with two replicas: see GatewayURLs),
// on loopback also with LAN (PublicURL is what a phone types).
func (s *Stack) GatewayURL() string { return "http://" + loopback(s.opts.Ports.Gateway) }

// PrometheusURL is the base URL of Prometheus's HTTP API (/api/v1/query?query=up, ...).
func (s *Stack) PrometheusURL() string { return "http://" + loopback(s.opts.Ports.Prometheus) }

// AdminURL is the base URL of the admin server (/metrics, /healthz, /readyz) of the process
// called name: "api-gateway", "media-worker", one of the six services, or a second instance
// ("api-gateway-2", "comment-2").
func (s *Stack) AdminURL(name string) string {
	program, i := splitInstance(name)
	switch program {
	case gatewayProgram:
		return "http://" + loopback(s.opts.Ports.gatewayAdmin(i))
	case "media-worker":
		return "http://" + loopback(s.opts.Ports.WorkerAdmin)
	}
	return "http://" + loopback(s.opts.Ports.admin(program, i))
}

// ServiceAddr is the RPC address (host:port) of the service process called name ("favorite",
// "favorite-2"), for tests that call a service directly rather than through etcd and the gateway.
func (s *Stack) ServiceAddr(name string) string {
	program, i := splitInstance(name)
	return loopback(s.opts.Ports.service(program, i))
}

// JaegerQueryURL is the base URL of Jaeger's query API (/api/services, /api/traces?service=...).
func (s *Stack) JaegerQueryURL() string { return "http://" + loopback(s.opts.Ports.JaegerQuery) }

// LogDir holds one <name>.log per process.
func (s *Stack) LogDir() string { return s.logDir }

// Done receives once, with FailFast, if a process exits while the stack should be running, with
// its name, exit status and log tail (a *ProcessError). It never receives after Stop has begun,
// nor without FailFast: a supervised stack restarts the process instead (see Failures).
func (s *Stack) Done() <-chan error { return s.done }

// Stop ends supervision, then sends SIGTERM to every process in reverse start order, waits up to
// stopGrace for each, and kills it. It is idempotent; every call returns the first call's
// result, which lists the processes that had to be killed.
func (s *Stack) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = errors.Join(s.stopAll(), s.dropAccounts()) })
	return s.stopErr
}

func (s *Stack) stopAll() error {
	// Under mu, so that no launch can slip in after it: launch checks stopping under mu.
	s.mu.Lock()
	close(s.stopping)
	s.mu.Unlock()
	s.cancel()
	// Once the supervisors are gone, nothing restarts what is stopped below, and no exit
	// caused by the stop is mistaken for a crash.
	s.supervisors.Wait()
	if s.etcd != nil {
		_ = s.etcd.Close()
	}
	if s.nats != nil {
		s.nats.Close()
	}
	s.mu.Lock()
	children := slices.Clone(s.children)
	s.mu.Unlock()
	var errs []error
	for _, c := range slices.Backward(children) {
		p := c.current()
		if p == nil {
			continue
		}
		if p.hasExited() {
			s.printf("%s had already exited (%s)", p.name, p.exitStatus())
			continue
		}
		if err := p.stop(stopGrace); err != nil {
			errs = append(errs, err)
			continue
		}
		s.printf("%s stopped", p.name)
	}
	return errors.Join(errs...)
}

func (s *Stack) printf(format string, args ...any) {
	fmt.Fprintf(s.opts.Out, format+"\n", args...)
}

// errStopping ends a restart or a readiness wait that Stop overtook.
var errStopping = errors.New("devstack: the stack is stopping")

// launch starts Root/bin/<c's program> with c's arguments and environment (see env), and makes
// it c's current process. note, when set, means a restart: the log is appended to, after a line
// that says why.
func (s *Stack) launch(c *child, note string) (*process, error) {
	full := append(os.Environ(), s.env(c)...)
	bin := filepath.Join(s.opts.Root, "bin", c.binary())
	logPath := filepath.Join(s.logDir, c.name+".log")
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.stopping:
		return nil, errStopping
	default:
	}
	// Run from Root, so that a relative path in a committed config resolves the same way for
	// every process whatever folder devstack was started from.
	p, err := startProcess(c.name, bin, c.args, s.opts.Root, full, logPath, note)
	if err != nil {
		return nil, err
	}
	s.procs = append(s.procs, p)
	c.setProcess(p)
	return p, nil
}

// env is what c's process gets on top of the caller's environment: c.env, then
// Options.ExtraEnv, then Options.Env of c's name (later entries win).
func (s *Stack) env(c *child) []string {
	return slices.Concat(c.env, s.opts.ExtraEnv, s.opts.Env[c.name])
}

// fail records the first failure and delivers it to Done (FailFast only).
func (s *Stack) fail(err error) {
	s.failOnce.Do(func() {
		s.failure = err
		s.done <- err
		close(s.failed)
	})
}

// waitReady polls probe until it succeeds, for at most readyTimeout. It gives up early when p
// exits, when ctx ends or the stack stops, and (FailFast) when any process of the stack exits.
func (s *Stack) waitReady(ctx context.Context, p *process, probe func(context.Context) error) error {
	wait, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	ticker := time.NewTicker(probeInterval)
	defer ticker.Stop()
	for {
		pctx, pcancel := context.WithTimeout(wait, probeTimeout)
		last := probe(pctx)
		pcancel()
		if last == nil {
			return nil
		}
		select {
		case <-p.exited:
			return p.failure("exited: " + p.exitStatus())
		case <-s.failed:
			return s.failure
		case <-s.stopping:
			return errStopping
		case <-wait.Done():
			// Stop closes stopping before it cancels the stack's context.
			select {
			case <-s.stopping:
				return errStopping
			default:
			}
			if ctx.Err() != nil {
				return fmt.Errorf("devstack: starting %s: %w", p.name, ctx.Err())
			}
			return p.failure(fmt.Sprintf("not ready after %s (last check: %v)", readyTimeout, last))
		case <-ticker.C:
		}
	}
}

// httpOK is a readiness probe that wants 200 from url.
func (s *Stack) httpOK(url string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := s.http.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	}
}
