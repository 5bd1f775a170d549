//go:build integration

package devstack

import "testing"

// Binds the ports it is given, on loopback, to prove them free: the second instances' too.
func TestFreePortsAreDistinctAndFree(t *testing.T) {
	p := freePorts(t)
	// The second instances' ports too: a stack of two replicas runs on them.
	if err := p.validate(2); err != nil {
		t.Fatal(err)
	}
	if len(p.Services) != len(serviceNames()) || len(p.Second.Services) != len(serviceNames()) || len(p.Second.Admin) != len(serviceNames()) {
		t.Fatalf("services = %v, second instances = %+v", p.Services, p.Second)
	}
	if err := p.checkFree(2); err != nil {
		t.Fatal(err)
	}
}
