package limit

import (
	"net/netip"
	"testing"
)

func trustedIn(cidrs ...string) func(netip.Addr) bool {
	var prefixes []netip.Prefix
	for _, s := range cidrs {
		prefixes = append(prefixes, netip.MustParsePrefix(s))
	}
	return Within(prefixes)
}

func headers(lines ...string) [][]byte {
	out := make([][]byte, len(lines))
	for i, l := range lines {
		out[i] = []byte(l)
	}
	return out
}

// X-Forwarded-For is believed only from a trusted proxy, and then only up to the right-most
// address that is not a proxy: whatever a client writes itself is left of that, or is all there
// is when it connects directly.
func TestClientAddr(t *testing.T) {
	proxies := trustedIn("10.1.0.0/16", "2001:db8:ffff::/48")
	ip := netip.MustParseAddr
	for name, tc := range map[string]struct {
		peer      string
		forwarded [][]byte
		want      string
	}{
		"an untrusted peer is the client, its forged header ignored": {"203.0.113.9", headers("198.51.100.1"), "203.0.113.9"},
		"an untrusted private peer is not a proxy either":            {"10.2.0.5", headers("198.51.100.1"), "10.2.0.5"},
		"a trusted proxy without the header is the client":           {"10.1.0.1", nil, "10.1.0.1"},
		"a trusted proxy names the client":                           {"10.1.0.1", headers("198.51.100.7"), "198.51.100.7"},
		"the right-most, not the left-most":                          {"10.1.0.1", headers("203.0.113.1, 198.51.100.7"), "198.51.100.7"},
		"proxies in a chain are skipped":                             {"10.1.0.1", headers("203.0.113.1, 198.51.100.7, 10.1.3.3"), "198.51.100.7"},
		"several header lines are one list":                          {"10.1.0.1", headers("203.0.113.1", "198.51.100.7"), "198.51.100.7"},
		"a port is allowed":                                          {"10.1.0.1", headers("198.51.100.7:4711"), "198.51.100.7"},
		"IPv6 with a port":                                           {"10.1.0.1", headers("[2001:db8:1::5]:4711"), "2001:db8:1::5"},
		"IPv4-mapped is IPv4":                                        {"10.1.0.1", headers("::ffff:198.51.100.7"), "198.51.100.7"},
		"garbage stops at the last proxy":                            {"10.1.0.1", headers("198.51.100.7, unknown"), "10.1.0.1"},
		"garbage left of the client is never read":                   {"10.1.0.1", headers("unknown, 198.51.100.7"), "198.51.100.7"},
		"an IPv6 proxy":                                              {"2001:db8:ffff::1", headers("2001:db8:1::5"), "2001:db8:1::5"},
	} {
		got := ClientAddr(ip(tc.peer), tc.forwarded, proxies)
		if got != ip(tc.want) {
			t.Errorf("%s: client of %s with %q = %s; want %s", name, tc.peer, tc.forwarded, got, tc.want)
		}
	}
}
