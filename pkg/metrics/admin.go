package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"simpletiktok/pkg/config"
)

// Admin paths. They live on the admin port, not on the gateway's public one.
const (
	MetricsPath = "/metrics"
	HealthPath  = "/healthz"
	ReadyPath   = "/readyz"
)

// checkTimeout bounds one readiness check, so that a hung dependency makes the probe fail
// instead of hanging the prober.
const checkTimeout = 2 * time.Second

// Check is one readiness condition: nil when the dependency it names can serve.
type Check func(context.Context) error

type namedCheck struct {
	name  string
	check Check
}

// Admin is a process's admin HTTP server: /metrics (Prometheus text or OpenMetrics with
// exemplars), /healthz (the process is alive: always 200 while it serves) and /readyz (200 when
// every readiness check passes, 503 naming the failed ones otherwise, and 503 once the process is
// draining); and /debug/pprof/ when the config asks for it (development only: config.Admin).
type Admin struct {
	addr     string
	pprof    bool
	log      *slog.Logger
	gatherer prometheus.Gatherer

	mu     sync.Mutex
	checks []namedCheck

	draining atomic.Bool
	srv      *http.Server
	served   chan struct{} // closed when Serve returns
}

// NewAdmin returns the admin server of a process that will listen on cfg.Listen (host:port) and
// expose what g gathers (the process's registry), and the profiles if cfg.Pprof (which
// config.Admin.Validate allows in development only).
func NewAdmin(cfg config.Admin, g prometheus.Gatherer, log *slog.Logger) *Admin {
	return &Admin{addr: cfg.Listen, pprof: cfg.Pprof, log: log, gatherer: g}
}

// AddCheck adds a readiness condition, e.g. "mysql" pinging the database.
func (a *Admin) AddCheck(name string, check Check) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.checks = append(a.checks, namedCheck{name, check})
}

// Drain makes /readyz answer 503 from now on, so that a load balancer or orchestrator stops
// sending work before the process stops serving it.
func (a *Admin) Drain() { a.draining.Store(true) }

// Handler serves the admin paths: metrics, the two probes and, when enabled, the profiles.
func (a *Admin) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+MetricsPath, promhttp.HandlerFor(a.gatherer, promhttp.HandlerOpts{
		EnableOpenMetrics: true, // exemplars (trace ids) travel only in OpenMetrics
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}))
	mux.HandleFunc("GET "+HealthPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET "+ReadyPath, a.ready)
	if !a.pprof {
		return mux
	}
	// Profiles for whoever can reach the admin port of a development process: where its time goes
	// under load (`go tool pprof http://<admin>/debug/pprof/profile?seconds=10`).
	mux.HandleFunc("GET "+PprofPath, pprof.Index)
	mux.HandleFunc("GET "+PprofPath+"cmdline", pprof.Cmdline)
	mux.HandleFunc("GET "+PprofPath+"profile", pprof.Profile)
	mux.HandleFunc("GET "+PprofPath+"symbol", pprof.Symbol)
	mux.HandleFunc("GET "+PprofPath+"trace", pprof.Trace)
	return mux
}

// PprofPath is where the admin server serves net/http/pprof.
const PprofPath = "/debug/pprof/"

func (a *Admin) ready(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if a.draining.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "draining")
		return
	}
	a.mu.Lock()
	checks := append([]namedCheck(nil), a.checks...)
	a.mu.Unlock()
	var failed []string
	for _, c := range checks {
		ctx, cancel := context.WithTimeout(r.Context(), checkTimeout)
		err := c.check(ctx)
		cancel()
		if err != nil {
			failed = append(failed, c.name+": "+err.Error())
		}
	}
	if len(failed) > 0 {
		a.log.WarnContext(r.Context(), "not ready", "failed", failed)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready\n"+strings.Join(failed, "\n"))
		return
	}
	fmt.Fprintln(w, "ok")
}

// Start binds the admin address at once, so that a busy port stops the process's start with a
// clear error, then serves in the background until Close.
func (a *Admin) Start() error {
	ln, err := net.Listen("tcp", a.addr)
	if err != nil {
		return fmt.Errorf("admin server on %s (admin.listen / TIKTOK_ADMIN_ADDR): %w", a.addr, err)
	}
	a.srv = &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	a.served = make(chan struct{})
	go func() {
		defer close(a.served)
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("admin server stopped", "error", err)
		}
	}()
	a.log.Info("admin server", "listen", ln.Addr().String())
	return nil
}

// Close stops the admin server, letting a scrape in progress finish within ctx.
func (a *Admin) Close(ctx context.Context) error {
	if a.srv == nil {
		return nil
	}
	err := a.srv.Shutdown(ctx)
	<-a.served
	return err
}
