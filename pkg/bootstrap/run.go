package bootstrap

import (
	"context"
	"io/fs"

	"github.com/cloudwego/kitex/server"

	"simpletiktok/pkg/memory"
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
	memory.Tune(svc.Log)
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
