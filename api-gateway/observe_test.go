package main

import "testing"

// The readiness check dials the public port: a wildcard listen address is reached on loopback.
func TestDialable(t *testing.T) {
	cases := map[string]string{
		"0.0.0.0:8080":   "127.0.0.1:8080",
		":8080":          "127.0.0.1:8080",
		"[::]:8080":      "127.0.0.1:8080",
		"127.0.0.1:8080": "127.0.0.1:8080",
		"gw.local:8080":  "gw.local:8080",
	}
	for in, want := range cases {
		if got := dialable(in); got != want {
			t.Errorf("dialable(%q) = %q; want %q", in, got, want)
		}
	}
}
