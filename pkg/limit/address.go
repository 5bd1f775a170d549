package limit

import (
	"net"
	"net/netip"
	"strings"
)

// AddressKey is the key of a client address for the per-address limits. An IPv4 address (also
// written as IPv4-mapped IPv6) is its own key. An IPv6 address is keyed by its /64: one
// subscriber is routed a whole /64 (often more) and picks any address in it at will, so keying by
// the address would give one client 2^64 buckets. An invalid address (no peer known) is "".
func AddressKey(addr netip.Addr) string {
	addr = addr.Unmap()
	switch {
	case addr.Is4():
		return addr.String()
	case addr.Is6():
		return netip.PrefixFrom(addr.WithZone(""), 64).Masked().String()
	}
	return ""
}

// ClientAddr is the address a request came from. A peer that is not a trusted proxy is the
// client, whatever X-Forwarded-For says (anyone can write it). From a trusted proxy, the client
// is the right-most address of X-Forwarded-For (each proxy appends the address it saw) that is
// not itself a trusted proxy: the entries left of it were written by the client and are not
// believed. An entry that is not an address stops the walk at the last proxy seen.
func ClientAddr(peer netip.Addr, forwarded [][]byte, trusted func(netip.Addr) bool) netip.Addr {
	if !trusted(peer) {
		return peer
	}
	var hops []string
	for _, header := range forwarded { // several header lines read as one list, in order
		hops = append(hops, strings.Split(string(header), ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			break
		}
		if !trusted(hop) {
			return hop
		}
		peer = hop
	}
	return peer
}

// parseHop reads one X-Forwarded-For entry: an address, possibly with a port ("1.2.3.4:5",
// "[2001:db8::1]:5"), as some proxies write.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if addr, err := netip.ParseAddr(s); err == nil {
		return addr.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// Within says whether an address is in one of prefixes (the trusted proxies, for ClientAddr).
func Within(prefixes []netip.Prefix) func(netip.Addr) bool {
	return func(addr netip.Addr) bool {
		for _, p := range prefixes {
			if p.Contains(addr) {
				return true
			}
		}
		return false
	}
}

// Peer is the address of a connection's other end (an IPv4-mapped IPv6 address as IPv4), or the
// zero Addr when it is not known.
func Peer(addr net.Addr) netip.Addr {
	if addr == nil {
		return netip.Addr{}
	}
	if ap, err := netip.ParseAddrPort(addr.String()); err == nil {
		return ap.Addr().Unmap()
	}
	host, _, _ := net.SplitHostPort(addr.String())
	ip, _ := netip.ParseAddr(host)
	return ip.Unmap()
}
