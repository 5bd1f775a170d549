package limit

import "net/netip"

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
