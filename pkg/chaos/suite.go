// Package chaos is the fault-injection suite (`make chaos`). It starts the whole stack on free
// loopback ports against a MariaDB and a Redis of its own, seeds it through the API, runs a
// bounded load whose writers record what every write was told, and injects one fault at a time:
// kill -9 of each service and of the gateway, MariaDB killed for 5 s, etcd away for 20 s, a table
// locked past the RPC timeout, an overload of the gateway, and kill -9 of the inserting services
// again and again under bursts of posts. Then, on a second stack with two instances of each
// service and two gateways (behind a balancer of the suite), rolling restarts: SIGTERM, then
// kill -9, of one instance at a time. It then checks the database against the ledger of writes
// and the counters against their rows, and prints one table.
package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"simpletiktok/pkg/devstack"
)

const (
	phaseSeed            = "seed"
	phaseBaseline        = "baseline (no fault)"
	phaseRolloutBaseline = "baseline, 2 replicas (no fault)"
	// baseline is how long the load runs before the first fault.
	baseline = 3 * time.Second
	// writesSettle is how long the suite waits after the last write before reading the
	// database: what was going to commit late has done so by then.
	writesSettle = 3 * time.Second
	// schemaPrefix names the services' schemas in the suite's own MariaDB.
	schemaPrefix = "tiktok_"
	// clientTimeout bounds one request of the load; longer than any timeout of the stack.
	clientTimeout = 15 * time.Second
	// startTimeout bounds the start of the stack.
	startTimeout = 3 * time.Minute
)

// services are the six RPC services, killed in this order.
var services = []string{"user", "video", "favorite", "comment", "relation", "message"}

// Options say where the repository is and how hard to push.
type Options struct {
	Root          string    // repository root: binaries in Root/bin
	Out           io.Writer // progress lines and the report
	OverloadConns int       // connections of the overload burst
	MaxInFlight   int       // the gateway's cap on requests in flight (admission.max_in_flight)
	Faults        []string  // run only the faults whose name contains one of these; empty = all
	StackEnv      []string  // more environment for every process of the stack
	KeepState     bool      // keep the temporary folder (logs, data) even when every check passes
}

// suite is one run.
type suite struct {
	opts      Options
	run       string
	dir       string
	db        *mariaDB
	redis     *server
	redisAddr string
	stack     *devstack.Stack
	// replicas is the current stack's (1, or 2 for the rollouts); logDirs holds every stack's.
	replicas int
	logDirs  []string
	api      *api
	lb       *balancer // in front of the gateways of a stack of two replicas
	w        *world
	ledger   *Ledger
	stats    *Stats
	probes   []probe
	load     *load        // the load of the stage under way
	bursts   atomic.Int64 // bursts of posts started (kills.go), naming their texts
}

// Run runs the suite and prints its checks and table on Options.Out. It returns ErrFailed when a
// check failed, and another error when the suite could not run (a server would not start, the
// seeding failed).
func Run(ctx context.Context, opts Options) error {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	results, err := run(ctx, opts)
	if len(results) > 0 {
		printReport(opts.Out, results)
	}
	if err != nil {
		return err
	}
	for _, r := range results {
		if !r.ok() {
			return ErrFailed
		}
	}
	return nil
}

func run(ctx context.Context, opts Options) (results []*result, err error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.OverloadConns <= 0 {
		opts.OverloadConns = 256
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 64
	}
	s := &suite{opts: opts, run: fmt.Sprintf("%x", time.Now().UnixNano()%0xffffff), ledger: &Ledger{}, stats: NewStats(phaseSeed)}
	if s.dir, err = os.MkdirTemp("", "tiktok-chaos-"); err != nil {
		return nil, err
	}
	defer func() { s.cleanUp(results, err) }()
	single, rollouts := s.faults(), s.rollouts()
	replicas := 1
	if len(single) == 0 && len(rollouts) > 0 {
		replicas = 2 // only rollouts asked for: no single-instance stage
	}
	if err := s.startServers(ctx); err != nil {
		return nil, err
	}
	if err := s.startStack(ctx, replicas); err != nil {
		return nil, err
	}
	clip, err := makeClip(ctx, s.dir)
	if err != nil {
		return nil, err
	}
	s.printf("seeding users, videos, likes, follows, a comment and a message")
	if s.w, err = seed(ctx, s.api, s.ledger, s.run, clip); err != nil {
		return nil, err
	}
	s.probes = newProbes(s.api, s.w)
	return s.faultsUnderLoad(ctx, single, rollouts)
}

// startServers brings up MariaDB and Redis.
func (s *suite) startServers(ctx context.Context) error {
	s.printf("work folder %s", s.dir)
	var err error
	for _, sub := range []string{"mysql", "redis", "var"} {
		if err := os.MkdirAll(filepath.Join(s.dir, sub), 0o755); err != nil {
			return err
		}
	}
	if s.db, err = startMariaDB(ctx, filepath.Join(s.dir, "mysql")); err != nil {
		return err
	}
	s.printf("MariaDB of the suite on %s", s.db.DSN())
	redis, redisAddr, err := startRedis(ctx, filepath.Join(s.dir, "redis"))
	if err != nil {
		return err
	}
	s.redis = redis
	s.redisAddr = redisAddr
	return nil
}

// startStack starts the stack with one or two instances of each service and gateway, on free
// ports, against the suite's MariaDB and Redis. With two, the suite's requests go through a
// balancer over both gateways.
func (s *suite) startStack(ctx context.Context, replicas int) error {
	varDir := filepath.Join(s.dir, "var")
	if replicas > 1 {
		varDir = filepath.Join(s.dir, "var-replicas")
	}
	env := append([]string{
		// The suite's clients all come from 127.0.0.1: the per-IP and per-user limits would
		// refuse the load. The gateway's global in-flight cap stays, for the overload fault.
		"TIKTOK_RATE_LIMIT=off",
		// A cap well under the burst's connections, so that a short burst on a small machine is
		// several times what the gateway admits; the default cap (512) works the same way.
		fmt.Sprintf("TIKTOK_MAX_IN_FLIGHT=%d", s.opts.MaxInFlight),
		"TIKTOK_REDIS_ADDR=" + s.redisAddr,
	}, s.opts.StackEnv...)
	sctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	s.printf("starting the stack, %d instance(s) of each service and gateway (logs in %s)", replicas, filepath.Join(varDir, "log"))
	stack, _, err := devstack.StartOnFreePorts(sctx, devstack.Options{
		Root:         s.opts.Root,
		VarDir:       varDir,
		Replicas:     replicas,
		MySQLDSN:     s.db.DSN(),
		SchemaPrefix: schemaPrefix,
		Out:          &prefixWriter{w: s.opts.Out, prefix: "  stack: "},
		ExtraEnv:     env,
	})
	s.stack = stack
	if err != nil {
		return fmt.Errorf("start the stack: %w", err)
	}
	s.replicas = replicas
	s.logDirs = append(s.logDirs, s.stack.LogDir())
	s.api = newAPI(s.stack.GatewayURL(), clientTimeout, 16)
	if replicas > 1 {
		var backends []backend
		for i, name := range s.stack.Instances("api-gateway") {
			backends = append(backends, backend{base: s.stack.GatewayURLs()[i], readyz: s.stack.AdminURL(name) + "/readyz"})
		}
		s.lb = newBalancer(backends)
		s.api = s.api.balanced(s.lb)
	}
	return nil
}

// faultsUnderLoad runs the single-instance stage (when the stack has one instance of each), then
// the rollouts on a stack of two replicas, and checks the data once both are done.
func (s *suite) faultsUnderLoad(ctx context.Context, single, rollouts []fault) ([]*result, error) {
	var results []*result
	if s.replicas == 1 {
		results = s.underLoad(ctx, phaseBaseline, s.run, single)
	}
	if len(rollouts) > 0 && ctx.Err() == nil {
		if s.replicas == 1 {
			if err := s.restartWithReplicas(ctx); err != nil {
				return results, err
			}
		}
		// Texts of their own: the load's counters start again from 0.
		results = append(results, s.underLoad(ctx, phaseRolloutBaseline, s.run+"r", rollouts)...)
	}
	s.printf("load stopped; waiting %s for writes to settle", writesSettle)
	time.Sleep(writesSettle)
	final := newResult("final checks")
	writes := s.ledger.Writes()
	for _, r := range results {
		r.Requests = s.stats.Of(r.Fault)
		countInFlight(r, writes)
		for _, check := range r.afterLoad {
			check()
		}
	}
	s.checkData(ctx, final, results)
	s.checkLogs(final)
	return append(results, final), ctx.Err()
}

// underLoad runs the load (its texts named by run), a baseline, and every fault in turn, and
// stops the load.
func (s *suite) underLoad(ctx context.Context, baselineName, run string, faults []fault) []*result {
	l := &load{api: s.api, w: s.w, ledger: s.ledger, stats: s.stats, run: run}
	s.load = l
	s.stats.SetPhase(baselineName)
	lctx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	l.start(lctx)
	base := newResult(baselineName)
	base.afterLoad = append(base.afterLoad, func() {
		base.check("the load is served without failures before any fault", base.Requests.Failed == 0 && base.Requests.OK > 0,
			"%d ok, %d failed%s", base.Requests.OK, base.Requests.Failed, firstDetail(strings.Join(base.Requests.Examples, "; ")))
	})
	time.Sleep(baseline)
	results := []*result{base}
	for _, f := range faults {
		if ctx.Err() != nil {
			break
		}
		results = append(results, s.runFault(ctx, f))
	}
	stopLoad()
	l.wait()
	return results
}

// restartWithReplicas stops the single-instance stack and starts one of two replicas on the same
// MariaDB and Redis: the seeded users, videos and tokens stay good.
func (s *suite) restartWithReplicas(ctx context.Context) error {
	s.printf("stopping the stack; the rollouts run on a stack of two replicas")
	if err := s.stack.Stop(); err != nil {
		s.printf("stop: %v", err)
	}
	s.stack = nil
	if err := s.startStack(ctx, 2); err != nil {
		return err
	}
	s.probes = newProbes(s.api, s.w)
	return nil
}

// faults lists the faults of the single-instance stage in the order they run, filtered by
// Options.Faults.
func (s *suite) faults() []fault {
	var all []fault
	for _, name := range services {
		all = append(all, s.killService(name))
	}
	all = append(all, s.killGateway(), s.killMariaDB(), s.stopEtcd(), s.lockComments(), s.overload())
	// Last, so that the supervisor's crash-loop backoff starts afresh (the single kills were more
	// than 30 s before).
	all = append(all, s.killRepeatedly("comment", repeatedKills), s.killRepeatedly("message", repeatedKills))
	return s.pick(all)
}

// pick keeps the faults whose name contains one of Options.Faults (all when none is given).
func (s *suite) pick(all []fault) []fault {
	if len(s.opts.Faults) == 0 {
		return all
	}
	var picked []fault
	for _, f := range all {
		for _, want := range s.opts.Faults {
			if strings.Contains(f.name, want) {
				picked = append(picked, f)
				break
			}
		}
	}
	return picked
}

// cleanUp stops everything and removes the work folder unless something failed.
func (s *suite) cleanUp(results []*result, err error) {
	if s.stack != nil {
		_ = s.stack.Stop()
	}
	if s.lb != nil {
		s.lb.close()
	}
	if s.redis != nil {
		s.redis.stop()
	}
	if s.db != nil {
		s.db.stop()
	}
	failed := err != nil
	for _, r := range results {
		failed = failed || !r.ok()
	}
	if failed || s.opts.KeepState {
		s.printf("logs and data kept in %s", s.dir)
		return
	}
	_ = os.RemoveAll(s.dir)
}

// schema is the database of a service in the suite's MariaDB.
func (s *suite) schema(service string) string { return schemaPrefix + service }

// table is a schema-qualified table name.
func (s *suite) table(service, name string) string {
	return fmt.Sprintf("`%s`.`%s`", s.schema(service), name)
}

func (s *suite) printf(format string, args ...any) {
	fmt.Fprintf(s.opts.Out, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// prefixWriter indents the stack's own lines under the suite's.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line == "" {
			continue
		}
		if _, err := io.WriteString(p.w, p.prefix+line); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// ErrFailed is returned when the suite ran and a check failed.
var ErrFailed = errors.New("a check failed (see the report above)")
