package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	migratemysql "github.com/golang-migrate/migrate/v4/database/mysql"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"simpletiktok/pkg/config"
)

// MigrationsTable is where golang-migrate records a schema's version (one row: version, dirty).
const MigrationsTable = "schema_migrations"

// lockRetry is the pause before trying again for the migration lock that another process (a
// second replica's migration step) holds.
const lockRetry = time.Second

// MigrateUp creates schema cfg.Database if it is missing and applies the migrations of src that
// it lacks, as the account of cfg.DSN (which needs CREATE, ALTER, DROP, INDEX and the DML
// privileges on the schema, not the runtime account). Several processes may run it at once:
// golang-migrate serialises them with a MySQL advisory lock, and one that finds the lock taken
// waits for it (for as long as ctx allows), then finds nothing left to do. A schema already past
// the newest migration of src (a rollback to an older binary) is left as it is.
func MigrateUp(ctx context.Context, cfg config.MySQL, src fs.FS, log *slog.Logger) error {
	latest, err := LatestMigration(src)
	if err != nil {
		return err
	}
	return withMigrator(ctx, cfg, src, log, func(m *migrate.Migrate) error {
		if ahead, err := aheadOf(m, latest, cfg.Database, log); err != nil || ahead {
			return err
		}
		err := m.Up()
		if errors.Is(err, fs.ErrNotExist) {
			// Another process moved the schema past this binary between the check and the lock.
			if ahead, aerr := aheadOf(m, latest, cfg.Database, log); aerr == nil && ahead {
				return nil
			}
		}
		return err
	})
}

// MigrateTo moves schema cfg.Database up or down to version (0: every down migration, leaving an
// empty schema). It is the rollback tool: the binary that holds a migration's .down.sql must run
// it, before an older binary is deployed.
func MigrateTo(ctx context.Context, cfg config.MySQL, src fs.FS, version uint, log *slog.Logger) error {
	return withMigrator(ctx, cfg, src, log, func(m *migrate.Migrate) error {
		if version == 0 {
			return m.Down()
		}
		return m.Migrate(version)
	})
}

// aheadOf reports whether the schema is already past latest. It reads the version without the
// lock, so a dirty flag here may be another process's migration in progress: only m.Up, under the
// lock, decides that a schema is dirty.
func aheadOf(m *migrate.Migrate, latest uint, schema string, log *slog.Logger) (bool, error) {
	v, dirty, err := m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !dirty && v > latest {
		log.Warn("schema is newer than this binary's migrations; leaving it as it is",
			"schema", schema, "version", v, "binary_latest", latest)
		return true, nil
	}
	return false, nil
}

func dirtyError(schema string, v uint) error {
	return fmt.Errorf("schema %s is dirty at version %d: that migration failed part-way; "+
		"finish or undo it by hand, then mark the version clean (docs/operations.md, \"Schema migrations\")", schema, v)
}

// withMigrator creates the schema, opens a migrator on it and runs fn, again while another
// process holds the migration lock.
func withMigrator(ctx context.Context, cfg config.MySQL, src fs.FS, log *slog.Logger, fn func(*migrate.Migrate) error) error {
	base, err := mysql.ParseDSN(cfg.DSN)
	if err != nil {
		return fmt.Errorf("mysql.dsn is not a valid DSN: %w", err)
	}
	if base.Timeout == 0 {
		base.Timeout = 5 * time.Second
	}
	if err := CreateSchema(ctx, base, cfg.Database); err != nil {
		return err
	}
	for {
		err := migrateOnce(ctx, base, cfg.Database, src, log, fn)
		if !isLocked(err) {
			return err
		}
		log.Info("another process is migrating this schema; waiting for its lock", "schema", cfg.Database)
		select {
		case <-ctx.Done():
			return fmt.Errorf("migrate schema %s: %w (still locked by another process)", cfg.Database, ctx.Err())
		case <-time.After(lockRetry):
		}
	}
}

func migrateOnce(ctx context.Context, base *mysql.Config, schema string, src fs.FS, log *slog.Logger, fn func(*migrate.Migrate) error) error {
	dsn := base.Clone()
	dsn.DBName = schema
	// A migration file is several statements, sent as one.
	dsn.MultiStatements = true
	sqlDB, err := sql.Open("mysql", dsn.FormatDSN())
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("cannot reach MySQL at %s: %w", base.Addr, err)
	}
	// The driver keeps this one connection: MySQL's advisory lock belongs to a session.
	driver, err := migratemysql.WithConnection(ctx, conn, &migratemysql.Config{
		DatabaseName:    schema,
		MigrationsTable: MigrationsTable,
	})
	if err != nil {
		conn.Close()
		return fmt.Errorf("migrate schema %s: %w", schema, err)
	}
	source, err := iofs.New(src, ".")
	if err != nil {
		driver.Close()
		return fmt.Errorf("read migrations: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", source, "mysql", driver)
	if err != nil {
		driver.Close()
		source.Close()
		return err
	}
	defer m.Close()
	m.Log = migrateLog{log: log.With("schema", schema)}
	// On SIGTERM, stop after the migration that is running rather than between two statements.
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
			m.GracefulStop <- true
		case <-stopped:
		}
	}()
	err = fn(m)
	if errors.Is(err, migrate.ErrNoChange) {
		err = nil
	}
	var dirty migrate.ErrDirty
	if errors.As(err, &dirty) {
		return dirtyError(schema, uint(dirty.Version))
	}
	if err != nil && !isLocked(err) {
		return fmt.Errorf("migrate schema %s: %w", schema, err)
	}
	return err
}

// isLocked reports whether err means that another process holds the migration lock.
func isLocked(err error) bool {
	return errors.Is(err, database.ErrLocked) || errors.Is(err, migrate.ErrLocked) || errors.Is(err, migrate.ErrLockTimeout)
}

// LatestMigration is the highest version in src.
func LatestMigration(src fs.FS) (uint, error) {
	versions, err := MigrationVersions(src)
	if err != nil {
		return 0, err
	}
	return versions[len(versions)-1], nil
}

// MigrationVersions lists the versions in src, lowest first; src without any is an error.
func MigrationVersions(src fs.FS) ([]uint, error) {
	source, err := iofs.New(src, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	defer source.Close()
	v, err := source.First()
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	versions := []uint{v}
	for {
		v, err = source.Next(v)
		if errors.Is(err, fs.ErrNotExist) {
			return versions, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read migrations: %w", err)
		}
		versions = append(versions, v)
	}
}

// CheckMigrated fails unless the schema sqlDB is connected to has every migration of src applied
// (a newer schema is fine: migrations keep the release before them working). A service calls it at
// start, with its runtime account, so that it never serves from a schema it does not know.
func CheckMigrated(ctx context.Context, sqlDB *sql.DB, schema string, src fs.FS) error {
	latest, err := LatestMigration(src)
	if err != nil {
		return err
	}
	var version uint
	var dirty bool
	err = sqlDB.QueryRowContext(ctx, "SELECT version, dirty FROM "+MigrationsTable+" LIMIT 1").Scan(&version, &dirty)
	var myErr *mysql.MySQLError
	switch {
	case errors.As(err, &myErr) && myErr.Number == erNoSuchTable, errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("schema %s has no migrations applied: run the service with -migrate-only first", schema)
	case err != nil:
		return fmt.Errorf("read the version of schema %s: %w", schema, err)
	case dirty:
		return dirtyError(schema, version)
	case version < latest:
		return fmt.Errorf("schema %s is at version %d, this binary needs %d: run it with -migrate-only first", schema, version, latest)
	}
	return nil
}

// erNoSuchTable is MySQL's ER_NO_SUCH_TABLE.
const erNoSuchTable = 1146

// migrateLog routes golang-migrate's lines (one per migration applied) to the service logger.
type migrateLog struct{ log *slog.Logger }

func (l migrateLog) Printf(format string, v ...any) {
	l.log.Info("migration", "step", strings.TrimSpace(fmt.Sprintf(format, v...)))
}

func (l migrateLog) Verbose() bool { return false }
