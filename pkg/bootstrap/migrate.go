package bootstrap

import (
	"context"
	"errors"
	"flag"
	"os/signal"
	"syscall"
	"time"

	"simpletiktok/pkg/db"
)

// migration is the migration step a service binary runs instead of serving: the init container
// of its Kubernetes pod, the one-shot container of docker-compose and `make run` start it as
// `<service> -migrate-only`, with an account that may change the schema.
type migration struct {
	only bool // apply every pending migration
	to   int  // move the schema to this version, up or down (-1: not asked)
}

func (m *migration) register(flags *flag.FlagSet) {
	flags.BoolVar(&m.only, "migrate-only", false,
		"create the schema if missing, apply the pending migrations and exit (the account of mysql.dsn needs DDL rights on the schema)")
	flags.IntVar(&m.to, "migrate-to", -1,
		"move the schema up or down to this migration version and exit; 0 runs every down migration (rollback)")
}

func (m migration) requested() bool { return m.only || m.to >= 0 }

// migrate runs the step the flags asked for, until done or SIGINT/SIGTERM (which stops it after
// the migration that is running).
func (s *Service) migrate() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if s.migration.only && s.migration.to >= 0 {
		return errors.New("give -migrate-only or -migrate-to, not both")
	}
	start := time.Now()
	cfg := s.Config.MySQL
	var err error
	if s.migration.to >= 0 {
		s.Log.Info("migrating", "schema", cfg.Database, "to_version", s.migration.to)
		err = db.MigrateTo(ctx, cfg, s.schema, uint(s.migration.to), s.Log)
	} else {
		s.Log.Info("migrating", "schema", cfg.Database)
		err = db.MigrateUp(ctx, cfg, s.schema, s.Log)
	}
	if err != nil {
		return err
	}
	s.Log.Info("migration step done", "schema", cfg.Database, "elapsed", time.Since(start).Round(time.Millisecond).String())
	return nil
}
