// Package chaos is the fault-injection suite (`make chaos`). It starts the whole stack on free
// loopback ports against a MariaDB and a Redis of its own, seeds it through the API, runs a
// bounded load whose writers record what every write was told, and injects one fault at a time:
// kill -9 of each service and of the gateway, MariaDB killed for 5 s, etcd away for 20 s, a table
// locked past the RPC timeout, and an overload of the gateway. It then checks the database
// against the ledger of writes and the counters against their rows, and prints one table.
package chaos

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"simpletiktok/pkg/devstack"
)

const (
	phaseSeed     = "seed"
	phaseBaseline = "baseline (no fault)"
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
	opts   Options
	run    string
	dir    string
	db     *mariaDB
	redis  *server
	stack  *devstack.Stack
	api    *api
	w      *world
	ledger *Ledger
	stats  *Stats
	probes []probe
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
	if err := s.start(ctx); err != nil {
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
	return s.faultsUnderLoad(ctx)
}

// start brings up MariaDB, Redis and the stack.
func (s *suite) start(ctx context.Context) error {
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
	ports, err := devstack.FreePorts()
	if err != nil {
		return err
	}
	env := append([]string{
		// The suite's clients all come from 127.0.0.1: the per-IP and per-user limits would
		// refuse the load. The gateway's global in-flight cap stays, for the overload fault.
		"TIKTOK_RATE_LIMIT=off",
		// A cap well under the burst's connections, so that a short burst on a small machine is
		// several times what the gateway admits; the default cap (512) works the same way.
		fmt.Sprintf("TIKTOK_MAX_IN_FLIGHT=%d", s.opts.MaxInFlight),
		"TIKTOK_REDIS_ADDR=" + redisAddr,
	}, s.opts.StackEnv...)
	sctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	s.printf("starting the stack (logs in %s)", filepath.Join(s.dir, "var", "log"))
	s.stack, err = devstack.Start(sctx, devstack.Options{
		Root:         s.opts.Root,
		VarDir:       filepath.Join(s.dir, "var"),
		MySQLDSN:     s.db.DSN(),
		SchemaPrefix: schemaPrefix,
		Ports:        ports,
		Out:          &prefixWriter{w: s.opts.Out, prefix: "  stack: "},
		ExtraEnv:     env,
	})
	if err != nil {
		return fmt.Errorf("start the stack: %w", err)
	}
	s.api = newAPI(s.stack.GatewayURL(), clientTimeout, 16)
	return nil
}

// faultsUnderLoad runs the load, injects every fault in turn, stops the load and checks the data.
func (s *suite) faultsUnderLoad(ctx context.Context) ([]*result, error) {
	l := &load{api: s.api, w: s.w, ledger: s.ledger, stats: s.stats, run: s.run}
	s.stats.SetPhase(phaseBaseline)
	lctx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	l.start(lctx)
	base := newResult(phaseBaseline)
	time.Sleep(baseline)
	results := []*result{base}
	for _, f := range s.faults() {
		if ctx.Err() != nil {
			break
		}
		results = append(results, s.runFault(ctx, f))
	}
	stopLoad()
	l.wait()
	s.printf("load stopped; waiting %s for writes to settle", writesSettle)
	time.Sleep(writesSettle)
	final := newResult("final checks")
	s.checkData(ctx, final, results)
	s.checkLogs(final)
	for _, r := range results {
		r.Requests = s.stats.Of(r.Fault)
	}
	base.check("the load is served without failures before any fault", base.Requests.Failed == 0 && base.Requests.OK > 0,
		"%d ok, %d failed%s", base.Requests.OK, base.Requests.Failed, firstDetail(strings.Join(base.Requests.Examples, "; ")))
	return append(results, final), ctx.Err()
}

// faults lists the faults in the order they run, filtered by Options.Faults.
func (s *suite) faults() []fault {
	var all []fault
	for _, name := range services {
		all = append(all, s.killService(name))
	}
	all = append(all, s.killGateway(), s.killMariaDB(), s.stopEtcd(), s.lockComments(), s.overload())
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

// checkData compares the ledger with the database, charging each finding to its phase.
func (s *suite) checkData(ctx context.Context, final *result, results []*result) {
	obs, err := s.observe(ctx)
	if err != nil {
		final.check("the database can be read", false, "%v", err)
		return
	}
	writes := s.ledger.Writes()
	findings := Verify(writes, obs)
	byPhase := map[string]*result{}
	for _, r := range results {
		byPhase[r.Fault] = r
	}
	for _, f := range findings {
		r := byPhase[f.Phase]
		if r == nil {
			r = final // the seeding, or a row no write explains
		}
		r.Writes[f.Problem]++
	}
	counts := map[Outcome]int{}
	for _, w := range writes {
		counts[w.Outcome()]++
	}
	detail := fmt.Sprintf("%d writes: %d acknowledged, %d reported failed, %d unknown",
		len(writes), counts[Acked], counts[Failed], counts[Unknown])
	for i, f := range findings {
		if i == 5 {
			detail += fmt.Sprintf("\n      ... and %d more", len(findings)-5)
			break
		}
		detail += "\n      " + f.String()
	}
	final.check("no acknowledged write lost or duplicated, no failed write present", len(findings) == 0, "%s", detail)
	s.checkCounters(ctx, final)
}

// checkLogs wants no "Too many connections" in any log of the stack: the pools must fit within
// the server's max_connections at any load.
func (s *suite) checkLogs(final *result) {
	logs, _ := filepath.Glob(filepath.Join(s.stack.LogDir(), "*.log"))
	hits := map[string]int{}
	for _, path := range logs {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			if bytes.Contains(sc.Bytes(), []byte("Too many connections")) || bytes.Contains(sc.Bytes(), []byte("Error 1040")) {
				hits[filepath.Base(path)]++
			}
		}
		f.Close()
	}
	detail := "none"
	if len(hits) > 0 {
		detail = fmt.Sprint(hits)
	}
	final.check(`no "Too many connections" in the stack's logs`, len(hits) == 0, "%s", detail)
}

// cleanUp stops everything and removes the work folder unless something failed.
func (s *suite) cleanUp(results []*result, err error) {
	if s.stack != nil {
		_ = s.stack.Stop()
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
