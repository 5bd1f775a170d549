// Package db opens a service's own MySQL schema through gorm, tracing every statement (without
// its bound values) and logging slow statements; the schema itself comes from the service's
// migrations (migrate.go), applied by a step of its own before the service starts. A failed statement
// is a debug line only: its error goes back to the caller, which retries it (InTx) or decides
// what it means and logs it once (the services' error middleware, pkg/rpc/errors.go).
package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/opentracing/opentracing-go"
	"golang.org/x/sync/semaphore"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"
	gormopentracing "gorm.io/plugin/opentracing"

	"simpletiktok/pkg/config"
)

// Connection lifetimes of the pool (see Open).
const (
	connMaxIdleTime = 5 * time.Minute
	connMaxLifetime = 30 * time.Minute
)

// Open connects to schema cfg.Database on the server cfg.DSN names. It creates nothing: the
// runtime account may only read and write rows. It fails fast, with a message saying which server
// could not be reached or that the schema is missing.
func Open(ctx context.Context, cfg config.MySQL, tracer opentracing.Tracer, log *slog.Logger) (*gorm.DB, error) {
	base, err := mysql.ParseDSN(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("mysql.dsn is not a valid DSN: %w", err)
	}
	base.ParseTime = true
	base.Loc = time.UTC
	if base.Params == nil {
		base.Params = map[string]string{}
	}
	base.Params["charset"] = "utf8mb4"
	// Bound values are quoted by the driver, so a statement is one round trip; without it, each
	// statement with arguments is prepared, run and closed: two round trips and a third message,
	// which made a statement cost MySQL and the service about twice as much. Quoting is safe in
	// utf8mb4 (the driver refuses it for the multibyte charsets where it is not).
	base.InterpolateParams = true
	if base.Timeout == 0 {
		base.Timeout = 5 * time.Second
	}
	if !validSchemaName(cfg.Database) {
		return nil, fmt.Errorf("mysql.database %q: use letters, digits and underscores only", cfg.Database)
	}
	withDB := base.Clone()
	withDB.DBName = cfg.Database
	gdb, err := gorm.Open(gormmysql.Open(withDB.FormatDSN()), &gorm.Config{
		Logger:                 slogGorm{log: log, slow: 200 * time.Millisecond},
		SkipDefaultTransaction: true,
		TranslateError:         true,
	})
	if err != nil {
		// gorm pings on open: a server that is down or a schema that is missing fails here.
		return nil, openError(err, base.Addr, cfg.Database)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	// mysql.max_open_conns (10 by default: six services leave room under MariaDB's default
	// max_connections of 151 for a second stack, the migration steps and an operator), and as
	// many idle as open: under load a pool with fewer idle slots closes the connections it cannot
	// keep and opens new ones at once, a connect and a login per query. Quiet connections go after
	// connMaxIdleTime; every connection is renewed after connMaxLifetime, so the pool follows a
	// failover and never meets the server's wait_timeout.
	sqlDB.SetMaxOpenConns(cfg.OpenConns())
	sqlDB.SetMaxIdleConns(cfg.OpenConns())
	sqlDB.SetConnMaxIdleTime(connMaxIdleTime)
	sqlDB.SetConnMaxLifetime(connMaxLifetime)
	queues.Store(sqlDB, semaphore.NewWeighted(int64(cfg.OpenConns())))
	tracing := gormopentracing.New(
		gormopentracing.WithTracer(tracer),
		gormopentracing.WithSqlParameters(false), // bound values may be hashes or private text
		gormopentracing.WithCreateOpName("sql:create"),
		gormopentracing.WithQueryOpName("sql:query"),
		gormopentracing.WithUpdateOpName("sql:update"),
		gormopentracing.WithDeleteOpName("sql:delete"),
		gormopentracing.WithRowOpName("sql:row"),
		gormopentracing.WithRawOpName("sql:raw"),
	)
	if err := gdb.Use(tracing); err != nil {
		return nil, fmt.Errorf("install SQL tracing: %w", err)
	}
	return gdb, nil
}

// CreateSchema creates database name on the server base points at, if it is missing.
func CreateSchema(ctx context.Context, base *mysql.Config, name string) error {
	if !validSchemaName(name) {
		return fmt.Errorf("mysql.database %q: use letters, digits and underscores only", name)
	}
	server := base.Clone()
	server.DBName = ""
	gdb, err := gorm.Open(gormmysql.Open(server.FormatDSN()), &gorm.Config{Logger: gormlogger.Discard})
	if err != nil {
		return fmt.Errorf("cannot reach MySQL at %s: %w", base.Addr, err)
	}
	sqlDB, _ := gdb.DB()
	defer sqlDB.Close()
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		return fmt.Errorf("cannot reach MySQL at %s: %w", base.Addr, err)
	}
	stmt := "CREATE DATABASE IF NOT EXISTS `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
	if err := gdb.WithContext(ctx).Exec(stmt).Error; err != nil {
		return fmt.Errorf("create schema %s: %w", name, err)
	}
	return nil
}

// DropSchema removes a schema; tests use it to clean up after themselves.
func DropSchema(ctx context.Context, dsn, name string) error {
	if !validSchemaName(name) {
		return fmt.Errorf("schema name %q is not valid", name)
	}
	base, err := mysql.ParseDSN(dsn)
	if err != nil {
		return err
	}
	base.DBName = ""
	gdb, err := gorm.Open(gormmysql.Open(base.FormatDSN()), &gorm.Config{Logger: gormlogger.Discard})
	if err != nil {
		return err
	}
	sqlDB, _ := gdb.DB()
	defer sqlDB.Close()
	return gdb.WithContext(ctx).Exec("DROP DATABASE IF EXISTS `" + name + "`").Error
}

func validSchemaName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// IsDuplicateKey reports whether err is a unique-key violation.
func IsDuplicateKey(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey)
}

// slogGorm routes gorm's own log lines to the service logger. It never logs a statement's text:
// gorm gives it with the bound values written in, which may be hashes or private text.
type slogGorm struct {
	log  *slog.Logger
	slow time.Duration
}

// loggerOf returns the service logger behind gdb, or one that discards when gdb was opened
// some other way.
func loggerOf(gdb *gorm.DB) *slog.Logger {
	if l, ok := gdb.Logger.(slogGorm); ok {
		return l.log
	}
	return slog.New(slog.DiscardHandler)
}

func (l slogGorm) LogMode(gormlogger.LogLevel) gormlogger.Interface { return l }

func (l slogGorm) Info(ctx context.Context, msg string, args ...any) {
	l.log.InfoContext(ctx, fmt.Sprintf(msg, args...))
}

func (l slogGorm) Warn(ctx context.Context, msg string, args ...any) {
	l.log.WarnContext(ctx, fmt.Sprintf(msg, args...))
}

func (l slogGorm) Error(ctx context.Context, msg string, args ...any) {
	l.log.ErrorContext(ctx, fmt.Sprintf(msg, args...))
}

// Trace sees every statement once it has run: a slow one is a warning (with its row count, not
// its text); a failed one only a debug line, since the caller gets the error and logs it once
// where it is decided, and a deadlock that InTx retries is no failure at all.
func (l slogGorm) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && !errors.Is(err, gorm.ErrDuplicatedKey):
		l.log.DebugContext(ctx, "sql failed", "error", err, "elapsed", elapsed)
	case elapsed > l.slow:
		_, rows := fc()
		l.log.WarnContext(ctx, "slow sql", "elapsed", elapsed, "rows", rows)
	}
}

// erBadDB is MySQL's ER_BAD_DB_ERROR (unknown database).
const erBadDB = 1049

// openError says whether the server or the schema is missing.
func openError(err error, addr, schema string) error {
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) && myErr.Number == erBadDB {
		return fmt.Errorf("schema %s does not exist on %s: run the service with -migrate-only first", schema, addr)
	}
	return fmt.Errorf("open mysql schema %s at %s: %w", schema, addr, err)
}
