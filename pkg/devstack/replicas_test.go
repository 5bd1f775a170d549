package devstack

import (
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The second instances have default ports of their own, distinct from every other default, and
// those a stack of one replica does not check.
func TestDefaultPortsOfTheSecondInstances(t *testing.T) {
	p := DefaultPorts()
	if err := p.validate(2); err != nil {
		t.Fatal(err)
	}
	if p.Second.Gateway != 8090 || p.Second.GatewayAdmin != 9089 || p.Second.Services["user"] != 8891 ||
		p.Second.Services["message"] != 8896 || p.Second.Admin["user"] != 9891 || p.Second.Admin["message"] != 9896 {
		t.Errorf("second instances: %+v", p.Second)
	}
	single := DefaultPorts()
	single.Second = InstancePorts{}
	if err := single.validate(1); err != nil {
		t.Errorf("one replica needs no second instances' ports: %v", err)
	}
	err := single.validate(2)
	if err == nil || !strings.Contains(err.Error(), "comment-2 service port 0") || !strings.Contains(err.Error(), "gateway-2 HTTP port 0") {
		t.Errorf("two replicas without the second instances' ports: %v", err)
	}
	clash := DefaultPorts()
	clash.Second.Admin["video"] = clash.Prometheus
	if err := clash.validate(2); err == nil || !strings.Contains(err.Error(), "9090 is given to both Prometheus and video-2 admin") {
		t.Errorf("a second instance on Prometheus's port: %v", err)
	}
}

func TestInstanceNames(t *testing.T) {
	for _, tc := range []struct {
		name    string
		program string
		i       int
	}{
		{"comment", "comment", 0},
		{"comment-2", "comment", 1},
		{"api-gateway", "api-gateway", 0},
		{"api-gateway-2", "api-gateway", 1},
		{"media-worker", "media-worker", 0},
		{"nats-server", "nats-server", 0},
		{"comment-3", "comment-3", 0},           // no third instance
		{"comment-02", "comment-02", 0},         // not a name instanceName makes
		{"media-worker-2", "media-worker-2", 0}, // the worker stays one
		{"etcd-2", "etcd-2", 0},
	} {
		program, i := splitInstance(tc.name)
		if program != tc.program || i != tc.i {
			t.Errorf("splitInstance(%q) = %q, %d; want %q, %d", tc.name, program, i, tc.program, tc.i)
		}
		if tc.program != tc.name || tc.i != 0 {
			if back := instanceName(program, i); back != tc.name {
				t.Errorf("instanceName(%q, %d) = %q; want %q", program, i, back, tc.name)
			}
		}
	}
}

// newTestStack is a stack of opts that starts nothing.
func newTestStack(t *testing.T, opts Options) *Stack {
	t.Helper()
	s, err := newStack(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.cancel)
	return s
}

func TestInstancesAndTheirAddresses(t *testing.T) {
	two := newTestStack(t, Options{Ports: DefaultPorts(), Replicas: 2})
	for program, want := range map[string][]string{
		"comment":      {"comment", "comment-2"},
		"api-gateway":  {"api-gateway", "api-gateway-2"},
		"media-worker": {"media-worker"},
		"etcd":         {"etcd"},
		"comment-2":    nil, // a process, not a program
		"nobody":       nil,
	} {
		if got := two.Instances(program); !reflect.DeepEqual(got, want) {
			t.Errorf("Instances(%q) = %q; want %q", program, got, want)
		}
	}
	if got := two.GatewayURLs(); !reflect.DeepEqual(got, []string{"http://127.0.0.1:8080", "http://127.0.0.1:8090"}) || got[0] != two.GatewayURL() {
		t.Errorf("GatewayURLs = %v", got)
	}
	for name, want := range map[string]string{
		"api-gateway": "http://127.0.0.1:9080", "api-gateway-2": "http://127.0.0.1:9089",
		"comment": "http://127.0.0.1:9884", "comment-2": "http://127.0.0.1:9894", "media-worker": "http://127.0.0.1:9887",
	} {
		if got := two.AdminURL(name); got != want {
			t.Errorf("AdminURL(%q) = %s; want %s", name, got, want)
		}
	}
	if got := two.ServiceAddr("favorite-2"); got != "127.0.0.1:8893" {
		t.Errorf("ServiceAddr(favorite-2) = %s", got)
	}

	one := newTestStack(t, Options{Ports: DefaultPorts()})
	if got := one.Instances("comment"); !reflect.DeepEqual(got, []string{"comment"}) {
		t.Errorf("one replica: Instances(comment) = %q", got)
	}
	if got := one.GatewayURLs(); !reflect.DeepEqual(got, []string{"http://127.0.0.1:8080"}) {
		t.Errorf("one replica: GatewayURLs = %v", got)
	}
}

func TestReplicasOutOfRange(t *testing.T) {
	for _, n := range []int{-1, 3} {
		if _, err := newStack(Options{Ports: DefaultPorts(), Replicas: n}); err == nil || !strings.Contains(err.Error(), "Options.Replicas") {
			t.Errorf("Replicas %d: %v", n, err)
		}
	}
}

// Each instance of a service gets its own listen and admin address and the schema all share;
// Options.Env of a process comes last and wins, for that process only.
func TestInstanceEnvironment(t *testing.T) {
	s := newTestStack(t, Options{Ports: DefaultPorts(), Replicas: 2, SchemaPrefix: "x_", ExtraEnv: []string{"A=extra", "B=extra"},
		Env: map[string][]string{"comment-2": {"B=own", "TIKTOK_ADVERTISE_ADDR=127.0.0.1:5555"}}})
	first := &child{name: "comment", env: s.serviceEnv("comment", 0)}
	second := &child{name: "comment-2", env: s.serviceEnv("comment", 1)}
	for _, tc := range []struct {
		c          *child
		key, value string
	}{
		{first, "TIKTOK_LISTEN_ADDR", "127.0.0.1:8884"},
		{first, "TIKTOK_ADMIN_ADDR", "127.0.0.1:9884"},
		{first, "TIKTOK_MYSQL_DATABASE", "x_comment"},
		{first, "B", "extra"},
		{second, "TIKTOK_LISTEN_ADDR", "127.0.0.1:8894"},
		{second, "TIKTOK_ADMIN_ADDR", "127.0.0.1:9894"},
		{second, "TIKTOK_MYSQL_DATABASE", "x_comment"},
		{second, "A", "extra"},
		{second, "B", "own"},
	} {
		if got := lastEnv(s.env(tc.c), tc.key); got != tc.value {
			t.Errorf("%s: %s=%q; want %q", tc.c.name, tc.key, got, tc.value)
		}
	}
	// Readiness waits for the key of the address each registers.
	if got := advertised(s.env(first)); got != "127.0.0.1:8884" {
		t.Errorf("comment registers as %s", got)
	}
	if got := advertised(s.env(second)); got != "127.0.0.1:5555" {
		t.Errorf("comment-2 registers as %s", got)
	}
	gw := s.gatewayEnv(1)
	if lastEnv(gw, "TIKTOK_HTTP_ADDR") != "127.0.0.1:8090" || lastEnv(gw, "TIKTOK_ADMIN_ADDR") != "127.0.0.1:9089" ||
		lastEnv(gw, "TIKTOK_PUBLIC_BASE_URL") != "http://127.0.0.1:8090" || lastEnv(gw, "TIKTOK_MEDIA_DIR") != lastEnv(s.gatewayEnv(0), "TIKTOK_MEDIA_DIR") {
		t.Errorf("api-gateway-2's environment: %q", gw)
	}
}

// With two replicas Prometheus scrapes both instances of each service and of the gateway, under
// the program's job.
func TestPrometheusScrapesEveryInstance(t *testing.T) {
	var c scrapeConfig
	if err := yaml.Unmarshal([]byte(prometheusConfig(DefaultPorts(), 2, "alerts.yml")), &c); err != nil {
		t.Fatal(err)
	}
	targets := map[string][]string{}
	for _, sc := range c.ScrapeConfigs {
		targets[sc.JobName] = sc.StaticConfigs[0].Targets
	}
	for job, want := range map[string][]string{
		"api-gateway":  {"127.0.0.1:9080", "127.0.0.1:9089"},
		"user":         {"127.0.0.1:9881", "127.0.0.1:9891"},
		"message":      {"127.0.0.1:9886", "127.0.0.1:9896"},
		"media-worker": {"127.0.0.1:9887"},
		"prometheus":   {"127.0.0.1:9090"},
	} {
		if !reflect.DeepEqual(targets[job], want) {
			t.Errorf("job %s scrapes %q; want %q", job, targets[job], want)
		}
	}
}
