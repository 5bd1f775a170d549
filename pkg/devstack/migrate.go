package devstack

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// maxAccountName is MySQL 8's limit on a user name (MariaDB allows more).
const maxAccountName = 32

// prepareService runs a service's migration step (`<name> -migrate-only`, as the account of
// Options.MySQLDSN, which may change schemas), then gives the service an account of its own that
// may only read and write the rows of its schema, as in docker-compose and Kubernetes. If the
// account of Options.MySQLDSN may not create accounts, the service runs as that account instead.
func (s *Stack) prepareService(ctx context.Context, name string) error {
	if err := s.runMigration(ctx, name); err != nil {
		return err
	}
	return s.createRuntimeAccount(ctx, name)
}

// runMigration runs the migration step in the foreground, its output in <name>-migrate.log.
func (s *Stack) runMigration(ctx context.Context, name string) error {
	logName := name + "-migrate"
	logPath := filepath.Join(s.logDir, logName+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("%s: log file: %w", logName, err)
	}
	defer logFile.Close()
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	cmd := s.ServiceCommand(ctx, name, "-migrate-only")
	cmd.Env = append(cmd.Env, "TIKTOK_MYSQL_DSN="+s.opts.MySQLDSN) // an account that may change the schema
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	s.printf("migrating the schema %s%s", s.opts.SchemaPrefix, name)
	if err := cmd.Run(); err != nil {
		reason := "migration failed: " + err.Error()
		if ctx.Err() != nil {
			reason = fmt.Sprintf("migration did not finish within %s", readyTimeout)
		}
		return &ProcessError{Name: logName, Reason: reason, LogPath: logPath, LogTail: logTail(logPath, logTailLines)}
	}
	return nil
}

// ServiceCommand is the service's binary run with its config, in the environment of its first
// instance (its schema, its runtime account, the stack's etcd): args are flags (a migration
// step: "-migrate-only"), or an admin command and its arguments ("revoke", "42"), -config going
// after the command's name.
func (s *Stack) ServiceCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	var command []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		command, args = args[:1], args[1:]
	}
	config := filepath.Join(s.opts.Root, "services", name, "config.yaml")
	cmd := exec.CommandContext(ctx, filepath.Join(s.opts.Root, "bin", name), slices.Concat(command, []string{"-config", config}, args)...)
	cmd.Dir = s.opts.Root
	cmd.Env = append(append(append(os.Environ(), s.serviceEnv(name, 0)...), s.opts.ExtraEnv...), s.opts.Env[name]...)
	return cmd
}

// runtimeAccount names the runtime account of a schema: svc_<schema>, or a digest of it when
// that is too long for MySQL.
func runtimeAccount(schema string) string {
	if name := "svc_" + schema; len(name) <= maxAccountName {
		return name
	}
	sum := sha256.Sum256([]byte(schema))
	return ("svc_" + hex.EncodeToString(sum[:]))[:maxAccountName]
}

// runtimeAccounts are the accounts the services of a stack run as.
type runtimeAccounts struct {
	dsns    map[string]string // by service: the DSN it runs with
	created []string          // the accounts to drop at Stop
}

// createRuntimeAccount creates (or resets) the service's runtime account with a password made for
// this run: SELECT, INSERT, UPDATE, DELETE on its schema and nothing else. Stop drops it.
func (s *Stack) createRuntimeAccount(ctx context.Context, name string) error {
	if s.runtime == nil {
		s.runtime = &runtimeAccounts{dsns: map[string]string{}}
	}
	admin, err := mysql.ParseDSN(s.opts.MySQLDSN)
	if err != nil {
		return fmt.Errorf("devstack: MySQL DSN: %w", err)
	}
	schema := s.opts.SchemaPrefix + name
	account := runtimeAccount(schema)
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	password := hex.EncodeToString(secret)

	err = execAsAdmin(ctx, admin, runtimeAccountSQL(account, password, schema)...)
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) && accessDenied(myErr.Number) {
		s.printf("%s runs as %s: that account may not create accounts (%v)", name, admin.User, myErr)
		s.runtime.dsns[name] = s.opts.MySQLDSN
		return nil
	}
	if err != nil {
		return fmt.Errorf("devstack: runtime account of %s: %w", schema, err)
	}
	runtime := admin.Clone()
	runtime.User, runtime.Passwd = account, password
	s.runtime.dsns[name] = runtime.FormatDSN()
	s.runtime.created = append(s.runtime.created, account)
	return nil
}

// runtimeAccountSQL is what makes account a runtime account of schema, whatever it was before:
// created if missing, given password, and granted only SELECT, INSERT, UPDATE and DELETE on the
// schema (the grant before the revoke gives the revoke something to revoke on a new account).
// docker-compose's mysql-init and the Kubernetes accounts Job do the same.
func runtimeAccountSQL(account, password, schema string) []string {
	grantDB := "`" + escapeGrantName(schema) + "`.*"
	user := "'" + account + "'@'%'"
	return []string{
		"CREATE USER IF NOT EXISTS " + user + " IDENTIFIED BY '" + password + "'",
		"ALTER USER " + user + " IDENTIFIED BY '" + password + "'",
		"GRANT SELECT ON " + grantDB + " TO " + user,
		"REVOKE ALL PRIVILEGES ON " + grantDB + " FROM " + user,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON " + grantDB + " TO " + user,
	}
}

// escapeGrantName keeps "_" (and "%") in a schema name from acting as wildcards in GRANT.
func escapeGrantName(schema string) string {
	var b []byte
	for i := 0; i < len(schema); i++ {
		if schema[i] == '_' || schema[i] == '%' {
			b = append(b, '\\')
		}
		b = append(b, schema[i])
	}
	return string(b)
}

// dropAccounts removes the runtime accounts this stack created; the services are gone by then.
func (s *Stack) dropAccounts() error {
	if s.runtime == nil || len(s.runtime.created) == 0 {
		return nil
	}
	admin, err := mysql.ParseDSN(s.opts.MySQLDSN)
	if err != nil {
		return err
	}
	var stmts []string
	for _, a := range s.runtime.created {
		stmts = append(stmts, "DROP USER IF EXISTS '"+a+"'@'%'")
	}
	ctx, cancel := context.WithTimeout(context.Background(), mysqlCheckTimeout)
	defer cancel()
	if err := execAsAdmin(ctx, admin, stmts...); err != nil {
		return fmt.Errorf("devstack: drop the runtime accounts: %w", err)
	}
	return nil
}

// runtimeDSN is the DSN the service runs with: its runtime account's, once prepareService ran.
func (s *Stack) runtimeDSN(name string) string {
	if s.runtime != nil && s.runtime.dsns[name] != "" {
		return s.runtime.dsns[name]
	}
	return s.opts.MySQLDSN
}

func execAsAdmin(ctx context.Context, admin *mysql.Config, stmts ...string) error {
	cfg := admin.Clone()
	cfg.DBName = ""
	if cfg.Timeout == 0 {
		cfg.Timeout = mysqlDialTimeout
	}
	cfg.Logger = nopLogger{}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	for _, stmt := range stmts {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// accessDenied reports whether a MySQL error number means "this account may not do that".
func accessDenied(n uint16) bool {
	switch n {
	case 1044, 1045, 1142, 1227, 1410: // ER_DBACCESS_DENIED, ER_ACCESS_DENIED, ER_TABLEACCESS_DENIED, ER_SPECIFIC_ACCESS_DENIED, ER_CANT_CREATE_USER_WITH_GRANT
		return true
	}
	return false
}
