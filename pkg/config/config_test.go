package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const serviceYAML = `
env: development
server: {listen: "127.0.0.1:1", shutdown_grace: 2s}
etcd: {endpoints: ["127.0.0.1:2379"]}
tracing: {collector_url: "http://127.0.0.1:14268/api/traces"}
mysql: {dsn: "root:@tcp(127.0.0.1:3306)/", database: tiktok_user}
client: {rpc_timeout: 3s, connect_timeout: 500ms}
admin: {listen: "127.0.0.1:2"}
redis: {addr: "127.0.0.1:6379"}
`

func TestLoadAppliesEnvironment(t *testing.T) {
	t.Setenv("TIKTOK_LISTEN_ADDR", "127.0.0.1:9999")
	t.Setenv("TIKTOK_ETCD_ENDPOINTS", "10.0.0.1:2379, 10.0.0.2:2379")
	t.Setenv("TIKTOK_MYSQL_DATABASE", "other")
	var c Service
	if err := Load(writeFile(t, serviceYAML), &c); err != nil {
		t.Fatal(err)
	}
	if c.Server.Listen != "127.0.0.1:9999" || c.MySQL.Database != "other" ||
		strings.Join(c.Etcd.Endpoints, ",") != "10.0.0.1:2379,10.0.0.2:2379" {
		t.Fatalf("overrides not applied: %+v", c)
	}
	if c.Server.ShutdownGrace != 2*time.Second || c.Client.ConnectTimeout != 500*time.Millisecond {
		t.Fatalf("durations not parsed: %+v", c)
	}
}

func TestLoadNamesWhatIsWrong(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"unknown field": {serviceYAML + "colour: blue\n", "colour"},
		"bad listen":    {strings.Replace(serviceYAML, `"127.0.0.1:1"`, `"nowhere"`, 1), "server.listen"},
		"no database":   {strings.Replace(serviceYAML, "database: tiktok_user", "database: \"\"", 1), "mysql.database"},
		"bad env":       {strings.Replace(serviceYAML, "env: development", "env: staging", 1), "env must be"},
		"no timeout":    {strings.Replace(serviceYAML, "rpc_timeout: 3s, ", "", 1), "rpc_timeout"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var s Service
			err := Load(writeFile(t, c.yaml), &s)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Load = %v; want an error mentioning %q", err, c.want)
			}
		})
	}
}

func TestBadEnvironmentValue(t *testing.T) {
	t.Setenv("TIKTOK_TRACING_DISABLED", "maybe")
	var c Service
	err := Load(writeFile(t, serviceYAML), &c)
	if err == nil || !strings.Contains(err.Error(), "TIKTOK_TRACING_DISABLED") {
		t.Fatalf("Load = %v; want an error naming the variable", err)
	}
}

func TestMissingFile(t *testing.T) {
	var c Service
	if err := Load(filepath.Join(t.TempDir(), "absent.yaml"), &c); err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
}

func TestMySQLPoolSize(t *testing.T) {
	var c Service
	if err := Load(writeFile(t, serviceYAML), &c); err != nil {
		t.Fatal(err)
	}
	if c.MySQL.OpenConns() != DefaultMaxOpenConns {
		t.Fatalf("default pool = %d; want %d", c.MySQL.OpenConns(), DefaultMaxOpenConns)
	}
	t.Setenv("TIKTOK_MYSQL_MAX_OPEN_CONNS", "4")
	if err := Load(writeFile(t, serviceYAML), &c); err != nil {
		t.Fatal(err)
	}
	if c.MySQL.OpenConns() != 4 {
		t.Fatalf("pool = %d; want 4 from TIKTOK_MYSQL_MAX_OPEN_CONNS", c.MySQL.OpenConns())
	}
	t.Setenv("TIKTOK_MYSQL_MAX_OPEN_CONNS", "-1")
	if err := Load(writeFile(t, serviceYAML), &c); err == nil || !strings.Contains(err.Error(), "max_open_conns") {
		t.Fatalf("Load = %v; want a negative pool refused", err)
	}
}

func TestRedisSection(t *testing.T) {
	withRedis := strings.Replace(serviceYAML, `redis: {addr: "127.0.0.1:6379"}`, `redis: {addr: "127.0.0.1:6379", ttl: 2s}`, 1)
	noRedis := strings.Replace(serviceYAML, `redis: {addr: "127.0.0.1:6379"}`, "", 1)
	t.Setenv("TIKTOK_REDIS_PASSWORD", "s3cret")
	var c Service
	if err := Load(writeFile(t, withRedis), &c); err != nil {
		t.Fatal(err)
	}
	r := c.Redis.WithDefaults()
	if r.Addr != "127.0.0.1:6379" || r.Password != "s3cret" || r.TTL != 2*time.Second ||
		r.FillWindow != DefaultRedisFillWindow || r.Timeout != DefaultRedisTimeout || r.RenewBefore != 500*time.Millisecond {
		t.Fatalf("redis = %+v (renew_before defaults to a quarter of the TTL)", r)
	}
	// The password is read from the environment only.
	if err := Load(writeFile(t, noRedis+"redis: {addr: \"h:1\", password: x}\n"), &c); err == nil {
		t.Fatal("a password in the file was accepted")
	}
	cases := map[string]string{
		"no address":        "redis: {ttl: 1s}\n",
		"tiny ttl":          "redis: {addr: \"h:1\", ttl: 1ms}\n",
		"negative window":   "redis: {addr: \"h:1\", fill_window: -1s}\n",
		"renewal too early": "redis: {addr: \"h:1\", ttl: 1s, renew_before: 1s}\n",
	}
	for name, extra := range cases {
		t.Run(name, func(t *testing.T) {
			var s Service
			if err := Load(writeFile(t, noRedis+extra), &s); err == nil || !strings.Contains(err.Error(), "redis") {
				t.Fatalf("Load = %v; want an error about redis", err)
			}
		})
	}
	if err := Load(writeFile(t, noRedis+"redis: {disabled: true}\n"), &c); err != nil {
		t.Fatalf("a disabled cache needs no address: %v", err)
	}
	t.Setenv("TIKTOK_REDIS_ADDR", "cache.internal:6380")
	if err := Load(writeFile(t, withRedis), &c); err != nil || c.Redis.Addr != "cache.internal:6380" {
		t.Fatalf("TIKTOK_REDIS_ADDR not applied: %v %+v", err, c.Redis)
	}
}

func TestNATSURL(t *testing.T) {
	for _, ok := range []string{"", "nats://127.0.0.1:4222", "nats://a:4222, nats://b:4222", "tls://nats.example:4222",
		"nats://video:s3cr3t@nats:4222"} {
		if err := (NATS{URL: ok}).Validate(); err != nil {
			t.Errorf("Validate(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"127.0.0.1:4222", "http://nats:4222", "nats://", "nats://a:4222,"} {
		if err := (NATS{URL: bad}).Validate(); err == nil {
			t.Errorf("Validate(%q) accepted it", bad)
		}
	}
}

// A URL with a login (the production overlay's) is shown without its password, in logs and in
// the error that names a bad URL.
func TestNATSURLIsShownWithoutItsPassword(t *testing.T) {
	n := NATS{URL: "nats://video:s3cr3t@nats-a:4222,nats://video:s3cr3t@nats-b:4222"}
	if got := n.Redacted(); got != "nats://video:xxxxx@nats-a:4222,nats://video:xxxxx@nats-b:4222" {
		t.Fatalf("Redacted = %q", got)
	}
	for _, bad := range []string{"http://video:s3cr3t@nats:4222", "nats://video:s3cr3t@nats:4222,nats://video:s3cr3t@%zz"} {
		err := NATS{URL: bad}.Validate()
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("Validate(%q) = %v; want an error without the password", bad, err)
		}
	}
}
