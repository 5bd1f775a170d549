package bootstrap

import (
	"context"
	"flag"
	"io/fs"
	"os/signal"
	"syscall"

	"github.com/cloudwego/kitex/server"
)

// Register builds one service from what bootstrap opened: its storage (svc.OpenDB), the peers it
// asks (svc.UserPeer, svc.VideoPeer), its rules and its Kitex handler, and returns the server made
// with opts. Whatever it opens through svc is closed when Run returns.
type Register func(ctx context.Context, svc *Service, opts []server.Option) (server.Server, error)

// Run is the composition root every service shares: it reads the config named by args, sets up
// logging and tracing, builds the Kitex server options, lets register build the service, and serves
// it until SIGINT or SIGTERM. It returns after a graceful stop (deregistered from etcd, in-flight
// calls finished) with everything closed in reverse order of opening; main turns its error into
// the exit status. schema holds the service's SQL migrations: with -migrate-only (or -migrate-to)
// in args, Run applies them and returns without serving; otherwise the service checks at start
// that its schema has them all.
func Run(name string, args []string, schema fs.FS, register Register) error {
	svc, err := New(name, args)
	if err != nil {
		return err
	}
	defer svc.Close()
	svc.schema = schema
	if svc.migration.requested() {
		return svc.migrate()
	}
	// The admin server comes up first, so that a busy admin port stops the start at once and the
	// process answers /healthz (not yet /readyz) while it checks its schema.
	if err := svc.StartAdmin(); err != nil {
		return err
	}
	opts, err := svc.ServerOptions()
	if err != nil {
		return err
	}
	svr, err := register(context.Background(), svc, opts)
	if err != nil {
		return err
	}
	return svc.Serve(svr)
}

// Command runs a one-shot admin command of a service instead of serving it (`user revoke
// [-config file] 42`): args are what follows the command's name. run has the service's config,
// logging and tracing, may open its database and cache through svc (closed when Command
// returns), and gets the arguments after the flags; SIGINT or SIGTERM cancel its ctx.
func Command(name string, args []string, schema fs.FS, run func(ctx context.Context, svc *Service, args []string) error) error {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	path := flags.String("config", "config.yaml", "path of the YAML config file")
	if err := flags.Parse(args); err != nil {
		return err
	}
	svc, err := New(name, []string{"-config", *path})
	if err != nil {
		return err
	}
	defer svc.Close()
	svc.schema = schema
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return run(ctx, svc, flags.Args())
}
