package devstack

import (
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Only the gateways change with LAN or a public URL: every other process keeps its loopback
// addresses.
func TestPublicAddresses(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       Options
		listen     []string
		public     []string
		exposed    bool
		gatewayURL string
	}{
		{"loopback", Options{}, []string{"127.0.0.1:8080", "127.0.0.1:8090"},
			[]string{"http://127.0.0.1:8080", "http://127.0.0.1:8090"}, false, "http://127.0.0.1:8080"},
		{"LAN", Options{LAN: true, PublicHost: "192.168.1.20"}, []string{"0.0.0.0:8080", "0.0.0.0:8090"},
			[]string{"http://192.168.1.20:8080", "http://192.168.1.20:8090"}, true, "http://127.0.0.1:8080"},
		{"LAN and a public URL", Options{LAN: true, PublicURL: "http://10.0.0.7:80/"}, []string{"0.0.0.0:8080", "0.0.0.0:8090"},
			[]string{"http://10.0.0.7:80", "http://10.0.0.7:80"}, true, "http://127.0.0.1:8080"},
		{"a tunnel to loopback", Options{PublicURL: "https://demo.example.org"}, []string{"127.0.0.1:8080", "127.0.0.1:8090"},
			[]string{"https://demo.example.org", "https://demo.example.org"}, true, "http://127.0.0.1:8080"},
		{"a loopback public URL", Options{PublicURL: "http://localhost:8080"}, []string{"127.0.0.1:8080", "127.0.0.1:8090"},
			[]string{"http://localhost:8080", "http://localhost:8080"}, false, "http://127.0.0.1:8080"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Ports, tc.opts.Replicas, tc.opts.VarDir = DefaultPorts(), 2, t.TempDir()
			s := newTestStack(t, tc.opts)
			for i := range 2 {
				env := s.gatewayEnv(i)
				if got := lastEnv(env, "TIKTOK_HTTP_ADDR"); got != tc.listen[i] {
					t.Errorf("gateway %d listens on %s; want %s", i, got, tc.listen[i])
				}
				if got := lastEnv(env, "TIKTOK_PUBLIC_BASE_URL"); got != tc.public[i] {
					t.Errorf("gateway %d names %s; want %s", i, got, tc.public[i])
				}
				if got := lastEnv(env, "TIKTOK_ADMIN_ADDR"); !strings.HasPrefix(got, "127.0.0.1:") {
					t.Errorf("gateway %d's admin port is on %s", i, got)
				}
			}
			if got := s.PublicURLs(); !reflect.DeepEqual(got, tc.public) {
				t.Errorf("PublicURLs = %q; want %q", got, tc.public)
			}
			if s.Exposed() != tc.exposed {
				t.Errorf("Exposed = %v; want %v", s.Exposed(), tc.exposed)
			}
			// The stack itself keeps calling its gateways on loopback.
			if s.GatewayURL() != tc.gatewayURL {
				t.Errorf("GatewayURL = %s", s.GatewayURL())
			}
			for _, name := range []string{"comment", "comment-2"} {
				program, i := splitInstance(name)
				if got := lastEnv(s.serviceEnv(program, i), "TIKTOK_LISTEN_ADDR"); !strings.HasPrefix(got, "127.0.0.1:") {
					t.Errorf("%s listens on %s", name, got)
				}
			}
		})
	}
}

func TestPublicOptionsRefused(t *testing.T) {
	for name, opts := range map[string]Options{
		"a public host without LAN": {PublicHost: "192.168.1.20"},
		"a URL without a scheme":    {PublicURL: "192.168.1.20:8080"},
		"a URL with a path":         {PublicURL: "http://192.168.1.20:8080/douyin"},
		"an ftp URL":                {PublicURL: "ftp://192.168.1.20"},
	} {
		opts.Ports = DefaultPorts()
		if _, err := newStack(opts); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A stack that other machines reach signs tokens with a secret of its own, made once in its
// state folder and the same at every start after; a loopback stack keeps the development one.
func TestJWTSecretOfAnExposedStack(t *testing.T) {
	t.Setenv("TIKTOK_JWT_SECRET", "")
	dir := t.TempDir()
	local := newTestStack(t, Options{Ports: DefaultPorts(), VarDir: dir})
	if env, err := local.gatewaySecretEnv(); err != nil || env != nil {
		t.Fatalf("a loopback stack sets %q (%v)", env, err)
	}
	if path := local.JWTSecretPath(); path != "" {
		t.Fatalf("a loopback stack keeps its secret in %s", path)
	}
	if _, err := os.Stat(filepath.Join(dir, jwtSecretFile)); !os.IsNotExist(err) {
		t.Fatalf("a loopback stack made its secret file (%v)", err)
	}

	lan := newTestStack(t, Options{Ports: DefaultPorts(), VarDir: dir, LAN: true, PublicHost: "192.168.1.20"})
	first, err := lan.gatewaySecretEnv()
	if err != nil {
		t.Fatal(err)
	}
	secret := lastEnv(first, "TIKTOK_JWT_SECRET")
	if len(secret) < 32 || strings.Contains(secret, "dev-only") {
		t.Fatalf("the secret of an exposed stack is %d characters", len(secret))
	}
	info, err := os.Stat(filepath.Join(dir, jwtSecretFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("%s is %v; want readable by its owner only", info.Name(), info.Mode().Perm())
	}
	// The next start (another Stack on the same folder) signs with the same secret.
	again := newTestStack(t, Options{Ports: DefaultPorts(), VarDir: dir, PublicURL: "https://demo.example.org"})
	second, err := again.gatewaySecretEnv()
	if err != nil {
		t.Fatal(err)
	}
	if lastEnv(second, "TIKTOK_JWT_SECRET") != secret {
		t.Error("a second start made another secret: the phone's tokens would not survive a restart")
	}
	// Elsewhere, another one.
	other := newTestStack(t, Options{Ports: DefaultPorts(), VarDir: t.TempDir(), LAN: true, PublicHost: "192.168.1.20"})
	third, err := other.gatewaySecretEnv()
	if err != nil {
		t.Fatal(err)
	}
	if lastEnv(third, "TIKTOK_JWT_SECRET") == secret {
		t.Error("two state folders got the same secret")
	}
	// A secret the caller gives is the caller's.
	t.Setenv("TIKTOK_JWT_SECRET", strings.Repeat("x", 40))
	if env, err := lan.gatewaySecretEnv(); err != nil || env != nil || lan.JWTSecretPath() != "" {
		t.Errorf("with the caller's TIKTOK_JWT_SECRET the stack sets %d entries (%v)", len(env), err)
	}
}

func TestKeptSecretRefusesAShortOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), jwtSecretFile)
	if err := os.WriteFile(path, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := keptSecret(path); err == nil {
		t.Fatal("a 5-character secret was used")
	}
}

func TestPickLANAddress(t *testing.T) {
	cidr := func(s string) net.Addr {
		ip, n, err := net.ParseCIDR(s)
		if err != nil {
			t.Fatal(err)
		}
		n.IP = ip
		return n
	}
	for _, tc := range []struct {
		addrs []net.Addr
		want  string
	}{
		{[]net.Addr{cidr("127.0.0.1/8"), cidr("::1/128"), cidr("192.168.1.20/24")}, "192.168.1.20"},
		{[]net.Addr{cidr("169.254.3.4/16"), cidr("203.0.113.5/24"), cidr("10.1.2.3/8")}, "10.1.2.3"},
		{[]net.Addr{cidr("127.0.0.1/8"), cidr("203.0.113.5/24")}, "203.0.113.5"},
		{[]net.Addr{cidr("127.0.0.1/8"), cidr("fd00::2/64")}, "<nil>"},
	} {
		if got := pickLANAddress(tc.addrs).String(); got != tc.want {
			t.Errorf("pickLANAddress(%v) = %s; want %s", tc.addrs, got, tc.want)
		}
	}
}
