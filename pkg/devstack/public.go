package devstack

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A stack serves this machine alone unless its options say otherwise: every process binds
// 127.0.0.1 and the gateways name their own loopback URL in the media URLs they list (play_url,
// cover_url, avatar). Options.LAN opens the gateways, and only them, to the local network, for a
// phone on the same Wi-Fi; Options.PublicURL names another address in the media URLs (a tunnel or a
// proxy in front of the stack). Everything else (the services, etcd, NATS, Jaeger, Prometheus and
// every admin port) stays on loopback either way.

// jwtSecretFile holds, in the state folder, the random JWT secret of a stack reachable from other
// machines. It is made once and kept, so that the tokens a phone holds survive a restart.
const jwtSecretFile = "jwt-secret"

// checkPublic rejects exposure options that cannot work, before anything starts. It fills in
// PublicHost with LAN when neither it nor PublicURL is given.
func checkPublic(opts *Options) error {
	if opts.PublicHost != "" && !opts.LAN {
		return errors.New("devstack: Options.PublicHost is for a stack with Options.LAN")
	}
	if opts.PublicURL != "" {
		u, err := url.Parse(opts.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("devstack: the public URL %q is not of the form http://host:port (or https://host)", opts.PublicURL)
		}
		opts.PublicURL = strings.TrimSuffix(opts.PublicURL, "/")
		return nil
	}
	if opts.LAN && opts.PublicHost == "" {
		ip, err := LANAddress()
		if err != nil {
			return fmt.Errorf("devstack: %w; name the address the phone reaches with a public URL (PUBLIC_URL=http://host:8080)", err)
		}
		opts.PublicHost = ip.String()
	}
	return nil
}

// gatewayListen is the address gateway instance i listens on: every interface with LAN, else
// loopback.
func (s *Stack) gatewayListen(i int) string {
	if s.opts.LAN {
		return net.JoinHostPort("0.0.0.0", strconv.Itoa(s.opts.Ports.gateway(i)))
	}
	return loopback(s.opts.Ports.gateway(i))
}

// PublicURLs lists the base URL each gateway names in the media URLs it lists, which is also
// the address to type into the phone app: Options.PublicURL for every gateway when set; with
// LAN, PublicHost and the gateway's own port; else the gateway's loopback URL (GatewayURLs).
func (s *Stack) PublicURLs() []string {
	urls := s.GatewayURLs()
	for i := range urls {
		switch {
		case s.opts.PublicURL != "":
			urls[i] = s.opts.PublicURL
		case s.opts.LAN:
			urls[i] = "http://" + net.JoinHostPort(s.opts.PublicHost, strconv.Itoa(s.opts.Ports.gateway(i)))
		}
	}
	return urls
}

// PublicURL is the first gateway's public base URL (see PublicURLs).
func (s *Stack) PublicURL() string { return s.PublicURLs()[0] }

// Exposed reports whether machines other than this one may reach the gateway: it listens on
// every interface, or its public URL names an address that is not loopback.
func (s *Stack) Exposed() bool {
	return s.opts.LAN || (s.opts.PublicURL != "" && !loopbackURL(s.opts.PublicURL))
}

// loopbackURL reports whether u names this machine only: localhost or a loopback IP.
func loopbackURL(u string) bool {
	parsed, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := parsed.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// JWTSecretPath is the file that holds the gateways' JWT secret when the stack keeps one of its
// own (see gatewaySecretEnv), else "".
func (s *Stack) JWTSecretPath() string {
	if !s.keepsSecret() {
		return ""
	}
	return filepath.Join(s.opts.VarDir, jwtSecretFile)
}

// keepsSecret reports whether the gateways sign with a secret kept in the state folder. A stack
// that only this machine reaches keeps the committed development secret. An Exposed one would hand
// out tokens anyone who read the repository could forge, so it signs with a random secret of its
// own instead, unless the caller's environment gives TIKTOK_JWT_SECRET itself.
func (s *Stack) keepsSecret() bool {
	return s.Exposed() && os.Getenv("TIKTOK_JWT_SECRET") == ""
}

// gatewaySecretEnv is the gateways' JWT secret setting: nil unless the stack keeps a secret.
func (s *Stack) gatewaySecretEnv() ([]string, error) {
	if !s.keepsSecret() {
		return nil, nil
	}
	secret, err := keptSecret(s.JWTSecretPath())
	if err != nil {
		return nil, fmt.Errorf("devstack: the JWT secret of a stack reachable from the network: %w", err)
	}
	return []string{"TIKTOK_JWT_SECRET=" + secret}, nil
}

// keptSecret reads the secret kept in path, or makes a random one and keeps it there, readable by
// its owner only.
func keptSecret(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err == nil {
		if secret := strings.TrimSpace(string(raw)); len(secret) >= 32 {
			return secret, nil
		}
		return "", fmt.Errorf("%s holds no secret of at least 32 characters: delete it to have a new one made", path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	secret := hex.EncodeToString(buf)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	// O_EXCL: two stacks starting on one folder at the same moment keep the first one's secret.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return keptSecret(path)
	}
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(secret + "\n"); err != nil {
		f.Close()
		return "", err
	}
	return secret, f.Close()
}

// LANAddress is this machine's address on its local network, as a phone on the same network
// reaches it: the source address of the default route, else the first private IPv4 address of an
// interface that is up.
func LANAddress() (net.IP, error) {
	if ip := defaultRouteSource(); ip != nil {
		return ip, nil
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("no LAN address: %w", err)
	}
	if ip := pickLANAddress(addrs); ip != nil {
		return ip, nil
	}
	return nil, errors.New("no LAN address: no interface has a private IPv4 address")
}

// routeProbe is an address of the documentation range (TEST-NET-2, RFC 5737): nothing answers
// there, and nothing is sent to it. It only makes the kernel pick the default route.
const routeProbe = "198.51.100.1:9"

// defaultRouteSource is the address the default route sends from. Connecting a UDP socket sends
// no packet: the kernel only chooses the route and with it the source address.
func defaultRouteSource() net.IP {
	conn, err := net.Dial("udp4", routeProbe)
	if err != nil {
		return nil
	}
	defer conn.Close()
	addr, ok := conn.LocalAddr().(*net.UDPAddr)
	if !ok || addr.IP.IsLoopback() || addr.IP.IsUnspecified() {
		return nil
	}
	return addr.IP
}

// pickLANAddress is the first private IPv4 address among addrs (10/8, 172.16/12, 192.168/16),
// else the first other IPv4 address that is neither loopback nor link-local; nil when none is.
func pickLANAddress(addrs []net.Addr) net.IP {
	var other net.IP
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip := n.IP.To4()
		if ip == nil || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() {
			continue
		}
		if ip.IsPrivate() {
			return ip
		}
		if other == nil {
			other = ip
		}
	}
	return other
}
