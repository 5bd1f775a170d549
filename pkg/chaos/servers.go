package chaos

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

const (
	// serverReadyTimeout bounds the wait for a private server to answer after its start; InnoDB
	// crash recovery after a kill -9 is part of it.
	serverReadyTimeout = 60 * time.Second
	// serverStopGrace is how long a private server gets to stop after SIGTERM.
	serverStopGrace = 20 * time.Second
)

// server is a private database process of the suite (MariaDB or Redis), started in its own
// process group and killed with the suite if the suite dies.
type server struct {
	name    string
	bin     string
	args    []string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
}

func (s *server) start() error {
	logFile, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(s.bin, s.args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.name, err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.exited) }()
	return nil
}

// kill sends SIGKILL, as a crash would, and waits until the process is gone.
func (s *server) kill() error {
	if s.cmd == nil {
		return nil
	}
	if err := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill %s: %w", s.name, err)
	}
	<-s.exited
	return nil
}

// stop asks the process to stop, and kills it after serverStopGrace.
func (s *server) stop() {
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(serverStopGrace):
		_ = s.kill()
	}
}

// mariaDB is the suite's own MariaDB: on a temporary data folder, on a free loopback port, root
// without a password (the install's "normal" root authentication) on loopback only. The suite
// kills it as one of its faults.
type mariaDB struct {
	server
	port int
}

// startMariaDB creates a data folder under dir with mariadb-install-db and starts mariadbd on it.
func startMariaDB(ctx context.Context, dir string) (*mariaDB, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	install := []string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"}
	// mariadbd refuses to run as root unless told to; the Debian package's servers run as root
	// on this kind of machine.
	if os.Geteuid() == 0 {
		install = append(install, "--user=root")
	}
	if msg, err := exec.CommandContext(ctx, "mariadb-install-db", install...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mariadb-install-db (install the Debian package mariadb-server): %v: %s", err, tail(msg))
	}
	args := []string{
		"--no-defaults", "--datadir=" + data, "--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1",
		"--socket=" + filepath.Join(dir, "mysqld.sock"), "--pid-file=" + filepath.Join(dir, "mysqld.pid"),
		"--log-error=" + filepath.Join(dir, "mysqld.err"),
		// The Debian default, as on the machine's own server: the services' pools must fit in it.
		"--max-connections=151",
		"--innodb-buffer-pool-size=64M",
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	m := &mariaDB{server: server{name: "mariadbd", bin: "mariadbd", args: args, logPath: filepath.Join(dir, "mysqld.out")}, port: port}
	if err := m.restart(ctx); err != nil {
		m.stop()
		return nil, err
	}
	return m, nil
}

// DSN is the server's DSN without a database, as the services take it.
func (m *mariaDB) DSN() string { return fmt.Sprintf("root:@tcp(127.0.0.1:%d)/", m.port) }

// restart starts mariadbd on the existing data folder and waits until it answers.
func (m *mariaDB) restart(ctx context.Context) error {
	if err := m.start(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, serverReadyTimeout)
	defer cancel()
	for {
		if err := m.ping(ctx); err == nil {
			return nil
		}
		select {
		case <-m.exited:
			return fmt.Errorf("mariadbd exited at start; see %s", filepath.Join(filepath.Dir(m.logPath), "mysqld.err"))
		case <-ctx.Done():
			return fmt.Errorf("mariadbd did not answer within %s", serverReadyTimeout)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (m *mariaDB) ping(ctx context.Context) error {
	db, err := m.open("")
	if err != nil {
		return err
	}
	defer db.Close()
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return db.PingContext(pctx)
}

// open connects to database (empty: none) as root.
func (m *mariaDB) open(database string) (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.DBName = "root", "tcp", fmt.Sprintf("127.0.0.1:%d", m.port), database
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = time.Second, 30*time.Second, 30*time.Second
	cfg.Logger = nopLogger{}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(connector), nil
}

// nopLogger keeps the driver's own lines (a refused connection while MariaDB is down) off the
// report.
type nopLogger struct{}

func (nopLogger) Print(...any) {}

// startRedis starts a private redis-server without persistence on a free loopback port.
func startRedis(ctx context.Context, dir string) (*server, string, error) {
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s := &server{name: "redis-server", bin: "redis-server", logPath: filepath.Join(dir, "redis.log"), args: []string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir,
	}}
	if err := s.start(); err != nil {
		return nil, "", fmt.Errorf("%w (install the Debian package redis-server)", err)
	}
	ctx, cancel := context.WithTimeout(ctx, serverReadyTimeout)
	defer cancel()
	for {
		var d net.Dialer
		if conn, err := d.DialContext(ctx, "tcp", addr); err == nil {
			conn.Close()
			return s, addr, nil
		}
		select {
		case <-s.exited:
			return nil, "", fmt.Errorf("redis-server exited at start; see %s", s.logPath)
		case <-ctx.Done():
			s.stop()
			return nil, "", errors.New("redis-server did not listen in time")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail keeps the end of a tool's output for an error message.
func tail(b []byte) string {
	const n = 600
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
