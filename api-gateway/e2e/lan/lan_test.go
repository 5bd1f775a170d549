//go:build integration && linux

// Package lan checks `make run LAN=1` as a phone on the LAN meets it: a stack of its own with its
// gateway open to the network (devstack.Options.LAN), called from a network namespace the test
// makes (netns_test.go) at the address this machine has on that namespace's link. The gateway
// answers there, its media URLs name that address and download from there, its tokens work and
// are signed with the stack's own secret, and no other process of the stack can be reached.
package lan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v4"

	"simpletiktok/api-gateway/apiclient"
	"simpletiktok/api-gateway/e2e/e2etest"
	"simpletiktok/pkg/devstack"
)

// devJWTSecret is the committed development secret (api-gateway/config.yaml).
const devJWTSecret = "dev-only-jwt-secret-do-not-use-in-production"

var shared struct {
	stack *devstack.Stack
	ns    *netns
	// skip says why the tests cannot run here; empty when they can.
	skip string
}

func TestMain(m *testing.M) {
	ns, err := newNetns()
	if errors.Is(err, errNoNamespaces) {
		shared.skip = err.Error()
		os.Exit(m.Run())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lan: the phone's network namespace:", err)
		os.Exit(1)
	}
	shared.ns = ns
	e2etest.Main(m, e2etest.Options{Name: "lan", Schema: "lan", LAN: true, PublicHost: ns.hostAddr,
		// Removed once the stack has stopped, also when a test failed.
		Prepare: func(string) ([]string, func(), error) { return nil, ns.remove, nil },
	}, func(s *e2etest.Suite) { shared.stack = s.Stack })
}

func needNamespace(t *testing.T) {
	t.Helper()
	if shared.skip != "" {
		t.Skipf("no phone on a LAN here: %s (CI runs this as root)", shared.skip)
	}
}

// phone is an API client that calls the gateway from inside the namespace, at the address the
// stack tells the phone to type.
func phone(t *testing.T) *apiclient.Client {
	t.Helper()
	want := "http://" + net.JoinHostPort(shared.ns.hostAddr, gatewayPort(t))
	if got := shared.stack.PublicURL(); got != want {
		t.Fatalf("the stack tells the phone to type %s; want %s", got, want)
	}
	return &apiclient.Client{Base: want, HTTP: shared.ns.client()}
}

func gatewayPort(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(shared.stack.GatewayURL())
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// A phone registers, publishes and plays its video, all from inside the namespace, and every
// media URL it is given names the address it reached the gateway at.
func TestPhoneOnTheLAN(t *testing.T) {
	needNamespace(t)
	ctx := context.Background()
	p := phone(t)
	acc, err := p.Register(ctx, e2etest.Unique("lan"), "lan-password")
	if err != nil {
		t.Fatalf("register from the LAN: %v", err)
	}
	var me struct {
		User struct {
			ID     int64  `json:"id"`
			Avatar string `json:"avatar"`
		} `json:"user"`
	}
	if err := p.Get(ctx, "/douyin/user/", url.Values{"token": {acc.Token}}, &me); err != nil || me.User.ID != acc.ID {
		t.Fatalf("the token from register does not work: user %d, %v", me.User.ID, err)
	}
	clip := sampleClip(t)
	if err := p.Publish(ctx, acc.Token, "published from the LAN", clip); err != nil {
		t.Fatalf("publish from the LAN: %v", err)
	}
	var list struct {
		Videos []struct {
			PlayURL  string `json:"play_url"`
			CoverURL string `json:"cover_url"`
		} `json:"video_list"`
	}
	if err := p.Get(ctx, "/douyin/publish/list/", url.Values{"token": {acc.Token}, "user_id": {apiclient.ID(acc.ID)}}, &list); err != nil || len(list.Videos) != 1 {
		t.Fatalf("publish list: %d videos, %v", len(list.Videos), err)
	}
	v := list.Videos[0]
	base := p.Base + "/"
	for _, u := range []string{v.PlayURL, v.CoverURL, me.User.Avatar} {
		if !strings.HasPrefix(u, base) {
			t.Errorf("a media URL the phone got is %s; want one under %s", u, base)
		}
	}
	if got := download(t, v.PlayURL); !bytes.Equal(got, clip) {
		t.Errorf("play_url from the LAN gave %d bytes; want the %d published", len(got), len(clip))
	}
	if got := download(t, v.CoverURL); len(got) == 0 {
		t.Error("cover_url from the LAN gave nothing")
	}
}

// The stack's tokens are signed with the random secret kept in its state folder, not with the
// committed one: a token forged with the development secret, the same claims otherwise, is
// refused.
func TestTokensAreSignedWithTheStacksOwnSecret(t *testing.T) {
	needNamespace(t)
	path := shared.stack.JWTSecretPath()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("the stack's secret: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("%s is %v; want readable by its owner only", path, info.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(string(raw))
	ctx := context.Background()
	p := phone(t)
	acc, err := p.Register(ctx, e2etest.Unique("lanjwt"), "lan-password")
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(acc.Token, claims, func(*jwt.Token) (any, error) { return []byte(secret), nil }); err != nil {
		t.Fatalf("the token register gave is not signed with the secret in %s: %v", path, err)
	}
	sign := func(key string) string {
		token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(key))
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	// The same claims signed again with the stack's secret pass: what the forged token lacks is
	// the key alone.
	if err := p.Get(ctx, "/douyin/user/", url.Values{"token": {sign(secret)}}, nil); err != nil {
		t.Fatalf("the register token's claims signed again with the stack's secret: %v", err)
	}
	err = p.Get(ctx, "/douyin/user/", url.Values{"token": {sign(devJWTSecret)}}, nil)
	if !apiclient.Refused(err) {
		t.Fatalf("a token signed with the development secret: %v; want a refusal", err)
	}
}

// Only the gateway's HTTP port listens beyond loopback: every other socket of every process of
// the stack is bound to loopback, and none can be reached from the namespace.
func TestOnlyTheGatewayIsOpen(t *testing.T) {
	needNamespace(t)
	gateway := gatewayPort(t)
	checked := 0
	for _, st := range shared.stack.Status() {
		for _, l := range listeners(t, st.PID) {
			if l.port == gateway && !l.udp {
				if !l.ip.IsUnspecified() {
					t.Errorf("the gateway listens on %s; want every interface", l.ip)
				}
				continue
			}
			checked++
			if !l.ip.IsLoopback() {
				t.Errorf("%s (pid %d) listens on %s port %s (udp %v); want loopback", st.Name, st.PID, l.ip, l.port, l.udp)
			}
			if l.udp {
				continue
			}
			addr := net.JoinHostPort(shared.ns.hostAddr, l.port)
			if conn, err := shared.ns.dial(context.Background(), "tcp", addr); err == nil {
				conn.Close()
				t.Errorf("%s's port %s is reachable from the LAN at %s", st.Name, l.port, addr)
			}
		}
	}
	// etcd, Jaeger, Prometheus, NATS, six services with their admin ports, the worker's admin
	// port and the gateway's: far more than this.
	t.Logf("%d sockets besides the gateway's, all on loopback and none reachable from %s", checked, shared.ns.nsAddr)
	if checked < 15 {
		t.Fatalf("found only %d listening sockets besides the gateway's: the check saw too little", checked)
	}
	// The gateway itself is reachable from there, which makes the refusals above meaningful.
	conn, err := shared.ns.dial(context.Background(), "tcp", net.JoinHostPort(shared.ns.hostAddr, gateway))
	if err != nil {
		t.Fatalf("the gateway is not reachable from the LAN: %v", err)
	}
	conn.Close()
}

// listener is a listening TCP socket or a bound UDP one.
type listener struct {
	ip   net.IP
	port string
	udp  bool
}

// listeners lists the sockets pid listens on, read from /proc: its socket inodes from its file
// descriptors, their addresses from its network namespace's tables.
func listeners(t *testing.T, pid int) []listener {
	t.Helper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatalf("pid %d: %v", pid, err)
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(fmt.Sprintf("/proc/%d/fd", pid), fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	var out []listener
	for _, table := range []struct {
		file  string
		state string // TCP_LISTEN, or TCP_CLOSE for an unconnected UDP socket
		udp   bool
	}{{"tcp", "0A", false}, {"tcp6", "0A", false}, {"udp", "07", true}, {"udp6", "07", true}} {
		f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, table.file))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != table.state || !inodes[fields[9]] {
				continue
			}
			ip, port, err := procAddr(fields[1])
			if err != nil {
				t.Fatalf("/proc/%d/net/%s: %v", pid, table.file, err)
			}
			out = append(out, listener{ip: ip, port: port, udp: table.udp})
		}
		f.Close()
	}
	return out
}

// procAddr decodes an address of /proc/net/tcp: hex IP (in 32-bit words of host order, which
// is little-endian on every machine this runs on) and hex port.
func procAddr(s string) (net.IP, string, error) {
	hexIP, hexPort, ok := strings.Cut(s, ":")
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if !ok || err != nil || (len(hexIP) != 8 && len(hexIP) != 32) {
		return nil, "", fmt.Errorf("address %q", s)
	}
	ip := make(net.IP, len(hexIP)/2)
	for word := 0; word < len(ip)/4; word++ {
		v, err := strconv.ParseUint(hexIP[word*8:word*8+8], 16, 32)
		if err != nil {
			return nil, "", fmt.Errorf("address %q", s)
		}
		for b := range 4 {
			ip[word*4+b] = byte(v >> (8 * b))
		}
	}
	return ip, strconv.FormatUint(port, 10), nil
}

// download GETs url from inside the namespace.
func download(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := shared.ns.client().Get(u)
	if err != nil {
		t.Fatalf("GET %s from the LAN: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s from the LAN: HTTP %d, %v", u, resp.StatusCode, err)
	}
	return body
}

// sampleClip is a real MP4 of one second (ffmpeg's test pattern, 160x120), made for the test.
func sampleClip(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "clip.mp4")
	msg, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1",
		"-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", out).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, msg)
	}
	clip, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return clip
}
