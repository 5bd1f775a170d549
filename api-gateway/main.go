// Command api-gateway is the HTTP front of the system: it checks tokens and input, calls the six
// services over Kitex, assembles the pages the phone sees and serves media.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
	_ "time/tzdata" // comment dates need their zone also where the system has no zone database

	"github.com/cloudwego/hertz/pkg/app/server"
	"github.com/cloudwego/hertz/pkg/common/hlog"
	"github.com/cloudwego/hertz/pkg/route"
	"github.com/cloudwego/kitex/client"

	"simpletiktok/api-gateway/internal/application"
	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/auth"
	"simpletiktok/api-gateway/internal/handler"
	"simpletiktok/api-gateway/internal/media"
	"simpletiktok/api-gateway/internal/merge"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/api-gateway/internal/router"
	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/coalesce"
	"simpletiktok/pkg/config"
	"simpletiktok/pkg/ffmpeg"
	"simpletiktok/pkg/kitex_gen/comment/commentservice"
	"simpletiktok/pkg/kitex_gen/favorite/favoriteservice"
	"simpletiktok/pkg/kitex_gen/message/messageservice"
	"simpletiktok/pkg/kitex_gen/relation/relationservice"
	"simpletiktok/pkg/kitex_gen/user/userservice"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
	"simpletiktok/pkg/logging"
	"simpletiktok/pkg/rpc"
)

const serviceName = "api-gateway"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, serviceName+":", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	var cfg gatewayConfig
	p, err := bootstrap.Start(serviceName, args, &cfg, nil)
	if err != nil {
		return err
	}
	defer p.Close()
	hlog.SetLevel(hlog.LevelWarn)
	// The access log writes a line for every request: its lines go out in blocks (every 100 ms at
	// the latest) instead of a write each. Every other line, errors included, goes out at once.
	accessOut := logging.NewLines(os.Stdout, 64<<10, 100*time.Millisecond)
	defer accessOut.Close()
	access, err := logging.NewWithWriter(accessOut, serviceName, cfg.Log.Level)
	if err != nil {
		return err
	}
	obs, err := newObservability(cfg, p)
	if err != nil {
		return err
	}
	// The admin port comes up first, so that a busy one stops the start before anything else.
	if err := p.StartAdmin(); err != nil {
		return err
	}
	routes, err := compose(cfg, p, obs)
	if err != nil {
		return err
	}
	h := newHTTPServer(cfg.HTTP)
	// Recover sits inside Trace so that a panic is still answered, traced and logged with its trace
	// id; Metrics between them sees the span (for exemplars) and the answer Recover gives. Degraded
	// reports a page served without some decorations: a log line, the span, a count by route.
	h.Use(middleware.Trace(p.Tracer, access), middleware.Metrics(obs.http), middleware.Recover(p.Log),
		middleware.Degraded(p.Log, obs.events))
	// At SIGTERM /readyz turns 503 at once and the gateway goes on serving for http.drain_delay,
	// so that load balancers stop sending before it stops accepting (drainFirst); then Hertz
	// closes the listener and waits up to http.shutdown_grace for the requests in flight.
	h.SetCustomSignalWaiter(drainFirst(p.Admin.Drain, cfg.HTTP.DrainDelay, p.Log))
	if err := routes(h.Engine); err != nil {
		return err
	}
	p.Log.Info("serving", "addr", cfg.HTTP.Addr, "public_base_url", cfg.HTTP.PublicBaseURL, "env", string(cfg.Env),
		"max_in_flight", cfg.Admission.MaxInFlight, "rate_limits", cfg.Admission.rateLimits())
	// Spin serves until SIGINT/SIGTERM and the drain delay, then stops accepting and waits for
	// in-flight requests.
	h.Spin()
	p.Log.Info("stopped")
	return nil
}

// compose builds the gateway from its config: the services' clients, their merged reads, the
// tokens, the pages, the media library and the use cases, and returns what registers the routes
// over them.
func compose(cfg gatewayConfig, p *bootstrap.Process, obs *observability) (func(*route.Engine) error, error) {
	clientOpts, err := rpc.ClientOptions(cfg.Etcd, cfg.Client, p.Tracer, p.Log, p.Calls)
	if err != nil {
		return nil, err
	}
	services, err := newServices(clientOpts, cfg.Client)
	if err != nil {
		return nil, err
	}
	// The reads of pages assembled at the same moment are merged (internal/merge, pkg/coalesce).
	merged := coalesce.Config{Limits: cfg.Coalesce.Limits(), Tracer: p.Tracer, Observe: obs.merged.Call}
	clients := assemble.Clients{Services: services, Reads: merge.NewReads(services, merged)}
	tokens, err := auth.NewTokens(cfg.JWT.Secret, cfg.JWT.TTL)
	if err != nil {
		return nil, err
	}
	sessions := auth.NewSessions(tokens, clients.Reads.TokenVersion, cfg.JWT.RevokedWithin)
	zone, err := cfg.Display.Location()
	if err != nil {
		return nil, err
	}
	// A decorating service that is down or slow leaves its counts and flags at zero rather than
	// failing the page (internal/degrade).
	pages := assemble.New(clients, assemble.NewMedia(cfg.HTTP.PublicBaseURL), p.Log, assemble.CommentZone(zone),
		assemble.KeepProfiles(cfg.Display.ProfilesKept))
	library, err := newLibrary(cfg.Media, p.Log)
	if err != nil {
		return nil, err
	}
	uses := application.New(clients, pages, tokens, library, obs.events, p.Log, application.ShareNewestFeed(merged),
		application.WriteBudgets(cfg.Client.Timeouts))
	admission := cfg.Admission.admission(cfg.Env, obs.events) // counts refusals by rate limit, by route
	return func(e *route.Engine) error {
		return router.Register(e, handler.New(uses, sessions, library, p.Log), sessions, admission)
	}, nil
}

// newHTTPServer is the gateway's Hertz server, not yet serving.
func newHTTPServer(cfg httpConfig) *server.Hertz {
	return server.New(
		server.WithHostPorts(cfg.Addr),
		server.WithExitWaitTime(cfg.ShutdownGrace),
		server.WithRedirectTrailingSlash(false),
		server.WithHandleMethodNotAllowed(true),
		server.WithDisablePrintRoute(true),
		// Uploads stream to disk: bodies are handed over as streams, and multipart bodies are not
		// parsed ahead of the handler (which would buffer the file). Other routes cap their bodies.
		server.WithStreamBody(true),
		server.WithDisablePreParseMultipartForm(true),
		// A slow or silent client cannot hold a connection: each wait for its data, or for it to
		// take the answer, is bounded, and so is an idle kept-alive connection. (Hertz's netpoll
		// transport applies these per wait, so a large upload or download that keeps moving is
		// not cut off.)
		server.WithReadTimeout(cfg.ReadTimeout),
		server.WithWriteTimeout(cfg.WriteTimeout),
		server.WithIdleTimeout(cfg.IdleTimeout),
	)
}

// drainFirst is the gateway's signal waiter: at SIGINT, SIGTERM or SIGHUP (the signals of Hertz's
// own waiter) it turns /readyz to 503 (drain) and keeps serving for delay before it lets Hertz
// stop (nil: a graceful stop); a server that failed (an error on errCh) stops at once.
func drainFirst(drain func(), delay time.Duration, log *slog.Logger) func(errCh chan error) error {
	return func(errCh chan error) error {
		signals := make(chan os.Signal, 1)
		stopOn := []os.Signal{syscall.SIGINT, syscall.SIGTERM}
		if !signal.Ignored(syscall.SIGHUP) {
			stopOn = append(stopOn, syscall.SIGHUP)
		}
		signal.Notify(signals, stopOn...)
		defer signal.Stop(signals)
		select {
		case err := <-errCh:
			return err
		case sig := <-signals:
			drain()
			log.Info("stopping: unready, still serving while load balancers move away", "signal", sig.String(), "drain_delay", delay)
		}
		select {
		case err := <-errCh:
			return err
		case <-signals: // a second signal: no more waiting
		case <-time.After(delay):
		}
		return nil
	}
}

// newLibrary sets up the media: the configured storage (media.dir or an S3 bucket), uploads spooled
// in media.dir/.incoming while they are checked (with local storage that is the same volume, so
// storing a checked upload is a rename), ffprobe present. Covers are the media worker's job.
func newLibrary(cfg mediaConfig, log *slog.Logger) (*media.Library, error) {
	store, err := cfg.Open(context.Background())
	if err != nil {
		return nil, err
	}
	tools := ffmpeg.Tools{FFprobe: cfg.FFprobe, Timeout: cfg.ProbeTimeout}
	if err := tools.Check(); err != nil {
		return nil, err
	}
	return media.NewLibrary(store, tools, media.NewSlots(cfg.MaxToolRuns), filepath.Join(cfg.Dir, ".incoming"), cfg.limits(), log)
}

// newServices builds one Kitex client per service, all with the same shared options and each with
// its own circuit breaker.
func newServices(opts []client.Option, cfg config.Client) (merge.Services, error) {
	var (
		c    merge.Services
		errs []error
	)
	var err error
	c.User, err = rpc.NewClient(userservice.NewClient, rpc.UserService, opts, cfg)
	errs = append(errs, err)
	c.Video, err = rpc.NewClient(videoservice.NewClient, rpc.VideoService, opts, cfg)
	errs = append(errs, err)
	c.Favorite, err = rpc.NewClient(favoriteservice.NewClient, rpc.FavoriteService, opts, cfg)
	errs = append(errs, err)
	c.Comment, err = rpc.NewClient(commentservice.NewClient, rpc.CommentService, opts, cfg)
	errs = append(errs, err)
	c.Relation, err = rpc.NewClient(relationservice.NewClient, rpc.RelationService, opts, cfg)
	errs = append(errs, err)
	c.Message, err = rpc.NewClient(messageservice.NewClient, rpc.MessageService, opts, cfg)
	errs = append(errs, err)
	for _, e := range errs {
		if e != nil {
			return c, fmt.Errorf("rpc client: %w", e)
		}
	}
	return c, nil
}
