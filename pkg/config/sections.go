package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// The sections below are shared by several binaries; each binary's config embeds the ones it needs.

// Env names the deployment mode. Production refuses development defaults such as the committed
// JWT secret.
type Env string

const (
	Development Env = "development"
	Production  Env = "production"
)

// Validate accepts the two known modes only.
func (e Env) Validate() error {
	if e != Development && e != Production {
		return fmt.Errorf("env must be %q or %q, got %q", Development, Production, e)
	}
	return nil
}

// Etcd is where services register and find each other.
type Etcd struct {
	Endpoints []string `yaml:"endpoints" env:"TIKTOK_ETCD_ENDPOINTS"`
}

// Validate checks that every endpoint is host:port.
func (e Etcd) Validate() error {
	if len(e.Endpoints) == 0 {
		return errors.New("etcd.endpoints is empty (set it or TIKTOK_ETCD_ENDPOINTS)")
	}
	for _, ep := range e.Endpoints {
		if _, _, err := net.SplitHostPort(ep); err != nil {
			return fmt.Errorf("etcd.endpoints: %q is not host:port", ep)
		}
	}
	return nil
}

// Tracing says where spans go. An empty collector_url sends them over UDP to agent_addr.
// SampleRate is the share of requests traced (the gateway decides; services follow the caller's
// decision); 0 means the default of the mode: every request in development, ProductionSampleRate
// in production. To trace nothing, set disabled.
type Tracing struct {
	Disabled     bool    `yaml:"disabled" env:"TIKTOK_TRACING_DISABLED"`
	CollectorURL string  `yaml:"collector_url" env:"TIKTOK_JAEGER_COLLECTOR_URL"`
	AgentAddr    string  `yaml:"agent_addr" env:"TIKTOK_JAEGER_AGENT_ADDR"`
	SampleRate   float64 `yaml:"sample_rate" env:"TIKTOK_TRACING_SAMPLE_RATE"`
}

// ProductionSampleRate is the share of requests traced in production when sample_rate is unset:
// enough traces to study latency and errors at production volume without the cost of recording
// every request.
const ProductionSampleRate = 0.01

// Rate is the sampling rate to use in mode env.
func (t Tracing) Rate(env Env) float64 {
	switch {
	case t.SampleRate > 0:
		return t.SampleRate
	case env == Production:
		return ProductionSampleRate
	}
	return 1
}

// Validate needs somewhere to send spans unless tracing is off.
func (t Tracing) Validate() error {
	if t.Disabled {
		return nil
	}
	if t.CollectorURL == "" && t.AgentAddr == "" {
		return errors.New("tracing: set collector_url or agent_addr (or disabled: true)")
	}
	if t.SampleRate < 0 || t.SampleRate > 1 {
		return fmt.Errorf("tracing.sample_rate must be within [0,1], got %v", t.SampleRate)
	}
	return nil
}

// Admin is the process's admin HTTP listener: /metrics, /healthz and /readyz. It carries no user
// traffic; keep it off the public network (the committed configs bind it to loopback).
type Admin struct {
	Listen string `yaml:"listen" env:"TIKTOK_ADMIN_ADDR"`
	// Pprof serves net/http/pprof under /debug/pprof/ as well, for profiling a development stack.
	// A profile shows memory contents and costs CPU: production refuses it.
	Pprof bool `yaml:"pprof" env:"TIKTOK_ADMIN_PPROF"`
}

// Validate checks the address, and that production does not serve profiles.
func (a Admin) Validate(env Env) error {
	if _, _, err := net.SplitHostPort(a.Listen); err != nil {
		return fmt.Errorf("admin.listen: %q is not host:port (set it or TIKTOK_ADMIN_ADDR, e.g. 127.0.0.1:9881)", a.Listen)
	}
	if a.Pprof && env != Development {
		return errors.New("admin.pprof (TIKTOK_ADMIN_PPROF) is for development only: production does not serve profiles")
	}
	return nil
}

// Log sets the level of the structured logger: debug, info, warn or error.
type Log struct {
	Level string `yaml:"level" env:"TIKTOK_LOG_LEVEL"`
}

// MySQL is a service's own schema. DSN names the server and the account (go-sql-driver form,
// without a database); Database is the schema the service owns, made by its migration step.
// MaxOpenConns bounds the connections one process opens (0: DefaultMaxOpenConns); the pool keeps
// that many idle too, so that a busy service never closes a connection only to open another
// (docs/performance.md, "Connection budget", has the arithmetic against max_connections).
type MySQL struct {
	DSN          string `yaml:"dsn" env:"TIKTOK_MYSQL_DSN"`
	Database     string `yaml:"database" env:"TIKTOK_MYSQL_DATABASE"`
	MaxOpenConns int    `yaml:"max_open_conns" env:"TIKTOK_MYSQL_MAX_OPEN_CONNS"`
}

// DefaultMaxOpenConns is the pool size of a service that sets none: six services at 10 each are
// 60 connections per copy of the stack, so two stacks (make run and a test run) and the tools
// still fit under MariaDB's default max_connections of 151.
const DefaultMaxOpenConns = 10

// OpenConns is the pool size to use.
func (m MySQL) OpenConns() int {
	if m.MaxOpenConns > 0 {
		return m.MaxOpenConns
	}
	return DefaultMaxOpenConns
}

// Validate checks that both parts are present.
func (m MySQL) Validate() error {
	if m.DSN == "" {
		return errors.New("mysql.dsn is empty (set it or TIKTOK_MYSQL_DSN)")
	}
	if m.Database == "" {
		return errors.New("mysql.database is empty (set it or TIKTOK_MYSQL_DATABASE)")
	}
	if m.MaxOpenConns < 0 {
		return fmt.Errorf("mysql.max_open_conns must be 0 (the default, %d) or positive, got %d", DefaultMaxOpenConns, m.MaxOpenConns)
	}
	return nil
}

// Server is an RPC server: the address it listens on, the address it registers in etcd (empty =
// the listen address) and how long a graceful stop waits for in-flight calls.
type Server struct {
	Listen        string        `yaml:"listen" env:"TIKTOK_LISTEN_ADDR"`
	Advertise     string        `yaml:"advertise" env:"TIKTOK_ADVERTISE_ADDR"`
	ShutdownGrace time.Duration `yaml:"shutdown_grace"`
}

// Validate checks the addresses.
func (s Server) Validate() error {
	if _, _, err := net.SplitHostPort(s.Listen); err != nil {
		return fmt.Errorf("server.listen: %q is not host:port", s.Listen)
	}
	if s.Advertise != "" {
		if _, _, err := net.SplitHostPort(s.Advertise); err != nil {
			return fmt.Errorf("server.advertise: %q is not host:port", s.Advertise)
		}
	}
	if s.ShutdownGrace <= 0 {
		return errors.New("server.shutdown_grace must be positive, e.g. 5s")
	}
	return nil
}

// Client is how this binary calls other services. Each call gets the timeout of its class: reads
// (which change nothing and are retried) read_timeout, everything else (writes, and login, which is
// costly) rpc_timeout. client.go has the rest: retries, the circuit breaker, per-service
// overrides and the defaults of what is left unset.
type Client struct {
	RPCTimeout     time.Duration              `yaml:"rpc_timeout"`
	ReadTimeout    time.Duration              `yaml:"read_timeout"`
	ConnectTimeout time.Duration              `yaml:"connect_timeout"`
	ReadRetries    int                        `yaml:"read_retries"`
	RetryBudget    float64                    `yaml:"retry_budget"`
	Breaker        Breaker                    `yaml:"breaker"`
	Services       map[string]ServiceTimeouts `yaml:"services"`
	// MaxIdlePerAddress is how many connections to each instance called stay open between calls
	// (0: DefaultMaxIdlePerAddress). Fewer than the calls in flight at peak means connections
	// opened and closed at every burst.
	MaxIdlePerAddress int `yaml:"max_idle_per_address"`
}

// DefaultMaxIdlePerAddress suits a gateway with a few hundred requests in flight, each calling a
// service up to twice at once (docs/performance.md, "Connection budget").
const DefaultMaxIdlePerAddress = 512

// IdlePerAddress is the number of idle connections to keep per instance.
func (c Client) IdlePerAddress() int {
	if c.MaxIdlePerAddress > 0 {
		return c.MaxIdlePerAddress
	}
	return DefaultMaxIdlePerAddress
}

// Validate requires a timeout on every call and policies Kitex accepts.
func (c Client) Validate() error {
	if c.RPCTimeout <= 0 || c.ConnectTimeout <= 0 {
		return errors.New("client.rpc_timeout and client.connect_timeout must be positive, e.g. 3s and 500ms")
	}
	if c.MaxIdlePerAddress < 0 {
		return errors.New("client.max_idle_per_address must not be negative (0: the default)")
	}
	return c.validatePolicy()
}

// NATS is the message queue (NATS with JetStream) a process publishes jobs to or consumes them
// from. URL may list several servers of a cluster, comma-separated. A server that requires a
// login is given it in the URL, nats://user:password@host:4222 (the client reads it from there),
// so a URL may hold a secret: set it in the environment only, and show it with Redacted.
type NATS struct {
	URL string `yaml:"url" env:"TIKTOK_NATS_URL"`
}

// Validate accepts an empty URL (a process that uses no queue) or nats:// and tls:// URLs.
func (n NATS) Validate() error {
	if n.URL == "" {
		return nil
	}
	for _, u := range strings.Split(n.URL, ",") {
		parsed, err := url.Parse(strings.TrimSpace(u))
		if err != nil || (parsed.Scheme != "nats" && parsed.Scheme != "tls") || parsed.Host == "" {
			return fmt.Errorf("nats.url: %q is not nats://host:port (or tls://), comma-separated for a cluster", redactURL(u))
		}
	}
	return nil
}

// Redacted is URL with every password replaced by "xxxxx", for logs and error messages.
func (n NATS) Redacted() string {
	parts := strings.Split(n.URL, ",")
	for i, u := range parts {
		parts[i] = redactURL(u)
	}
	return strings.Join(parts, ",")
}

// redactURL hides the password of one URL; a string that does not parse is hidden whole after
// its scheme, since it cannot be told where a password in it would end.
func redactURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		scheme, _, _ := strings.Cut(raw, "://")
		return scheme + "://xxxxx"
	}
	return u.Redacted()
}

// Process holds the sections of a binary's config that every process is set up from
// (bootstrap.Start): its mode, its tracing, its log level and its admin server.
type Process struct {
	Env     Env
	Tracing Tracing
	Log     Log
	Admin   Admin
}

// Common gives the sections every process is set up from.
func (s *Service) Common() Process {
	return Process{Env: s.Env, Tracing: s.Tracing, Log: s.Log, Admin: s.Admin}
}

// Service is the whole config of an RPC service binary.
type Service struct {
	Env     Env     `yaml:"env" env:"TIKTOK_ENV"`
	Server  Server  `yaml:"server"`
	Etcd    Etcd    `yaml:"etcd"`
	Tracing Tracing `yaml:"tracing"`
	Log     Log     `yaml:"log"`
	MySQL   MySQL   `yaml:"mysql"`
	Redis   Redis   `yaml:"redis"`
	Client  Client  `yaml:"client"`
	Admin   Admin   `yaml:"admin"`
	// NATS is set for the services that publish jobs (video); the others leave it out.
	NATS NATS `yaml:"nats"`
}

// Validate checks every section.
func (s *Service) Validate() error {
	return errors.Join(s.Env.Validate(), s.Server.Validate(), s.Etcd.Validate(), s.Tracing.Validate(),
		s.MySQL.Validate(), s.Redis.Validate(), s.Client.Validate(), s.Admin.Validate(s.Env), s.NATS.Validate())
}
