package devstack

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
)

const (
	// mysqlDialTimeout bounds the TCP connect when the DSN sets none: a firewalled address must
	// fail in seconds, not after the kernel's minutes-long SYN retries.
	mysqlDialTimeout = 3 * time.Second
	// mysqlCheckTimeout bounds the whole check, handshake included.
	mysqlCheckTimeout = 5 * time.Second
	// erAccessDenied is MySQL's ER_ACCESS_DENIED_ERROR.
	erAccessDenied = 1045
)

// CheckMySQL checks that the MySQL server of dsn (a DSN without a database) is reachable and
// accepts the credentials. Its error says which of the two failed and what to do about it.
func CheckMySQL(ctx context.Context, dsn string) error {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return fmt.Errorf("MySQL DSN is not valid (%v); expected the form root:@tcp(127.0.0.1:3306)/ (set MYSQL_DSN or -mysql)", err)
	}
	if cfg.DBName != "" {
		return fmt.Errorf("MySQL DSN names the database %q; give the server only, e.g. root:@tcp(%s)/, since each service creates its own schema", cfg.DBName, cfg.Addr)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = mysqlDialTimeout
	}
	// The driver would otherwise print its own packet errors on stderr; ours says it better.
	cfg.Logger = nopLogger{}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return fmt.Errorf("MySQL DSN: %w", err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()

	ctx, cancel := context.WithTimeout(ctx, mysqlCheckTimeout)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return explainMySQL(cfg, err)
	}
	return nil
}

// explainMySQL turns a failed ping into what the person running the stack should do.
func explainMySQL(cfg *mysql.Config, err error) error {
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) && myErr.Number == erAccessDenied {
		return fmt.Errorf("MySQL at %s refused user %q (%v): set MYSQL_DSN (or -mysql) to an account that may create databases, e.g. root:@tcp(127.0.0.1:3306)/", cfg.Addr, cfg.User, err)
	}
	if errors.As(err, &myErr) {
		return fmt.Errorf("MySQL at %s answered with an error (%v): check the server and the account in MYSQL_DSN", cfg.Addr, err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = errors.New("no answer before the timeout")
	}
	return fmt.Errorf("MySQL is not reachable at %s (%v): start it (e.g. `service mariadb start`), "+
		"install it first if needed (`apt-get install -y mariadb-server`), or set MYSQL_DSN (or -mysql) to a server that runs", cfg.Addr, err)
}

// nopLogger discards the driver's log lines.
type nopLogger struct{}

func (nopLogger) Print(...any) {}
