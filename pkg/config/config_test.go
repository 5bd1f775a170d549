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

func TestNATSURL(t *testing.T) {
	for _, ok := range []string{"", "nats://127.0.0.1:4222", "nats://a:4222, nats://b:4222", "tls://nats.example:4222"} {
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
