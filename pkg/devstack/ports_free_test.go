//go:build integration

package devstack

import "testing"

// Binds the ports it is given, on loopback, to prove them free.
func TestFreePortsAreDistinctAndFree(t *testing.T) {
	p := freePorts(t)
	if err := p.validate(); err != nil {
		t.Fatal(err)
	}
	if len(p.Services) != len(serviceNames()) {
		t.Fatalf("services = %v", p.Services)
	}
	if err := p.checkFree(); err != nil {
		t.Fatal(err)
	}
}
