//go:build integration

package devstack

import (
	"errors"
	"net"
	"testing"
)

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

// A port taken after FreePorts chose it is told apart from any other failure to start, whether the
// check before the start finds it or a process's own bind does.
func TestAPortTakenIsToldApart(t *testing.T) {
	p := freePorts(t)
	l, err := net.Listen("tcp", loopback(p.Gateway))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	err = p.checkFree(1)
	if !PortTaken(err) {
		t.Fatalf("the gateway's port taken: %v; want PortTaken", err)
	}
	bind := errors.New(`api-gateway exited: status 1; last lines: listen tcp 127.0.0.1:9: bind: address already in use`)
	if !PortTaken(bind) || PortTaken(errors.New("mysql: access denied")) || PortTaken(nil) {
		t.Fatal("PortTaken must know a bind's failure, and nothing else")
	}
}
