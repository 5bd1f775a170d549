package rpc

import (
	"net"
	"strings"
	"testing"
)

func TestDialableAddress(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:8881", "user:8881", "[::1]:8881"} {
		if got, err := dialable(addr); err != nil || got != addr {
			t.Errorf("%s registered as %q, %v", addr, got, err)
		}
	}
	for _, addr := range []string{"0.0.0.0:8881", ":8881", "[::]:8881"} {
		got, err := dialable(addr)
		if err != nil {
			// Only a machine without a non-loopback IPv4 address gets here.
			if !strings.Contains(err.Error(), "server.advertise") {
				t.Errorf("%s: error %v does not say what to set", addr, err)
			}
			continue
		}
		host, port, _ := net.SplitHostPort(got)
		if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() || ip.IsLoopback() || port != "8881" {
			t.Errorf("%s registered as %q", addr, got)
		}
	}
	if _, err := dialable("no-port"); err == nil {
		t.Error("an address without a port was accepted")
	}
}

func TestLeaseTTLFromEnv(t *testing.T) {
	for value, want := range map[string]int64{"": leaseTTL, "15": 15, "0": leaseTTL, "-3": leaseTTL, "soon": leaseTTL} {
		t.Setenv(leaseTTLEnv, value)
		if got := ttlFromEnv(); got != want {
			t.Errorf("%s=%q: TTL %d, want %d", leaseTTLEnv, value, got, want)
		}
	}
}
