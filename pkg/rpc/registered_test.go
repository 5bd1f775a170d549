package rpc

import (
	"errors"
	"testing"

	"github.com/cloudwego/kitex/pkg/registry"
)

type fakeRegistry struct{ failRegister bool }

func (f fakeRegistry) Register(*registry.Info) error {
	if f.failRegister {
		return errors.New("etcd unreachable")
	}
	return nil
}

func (fakeRegistry) Deregister(*registry.Info) error { return nil }

// Readiness follows the registration: true once it succeeds, false as soon as the server starts
// leaving (deregistering comes first in Kitex's stop), and never true after a failed registration.
func TestObservedRegistryReportsRegistration(t *testing.T) {
	var states []bool
	note := func(b bool) { states = append(states, b) }
	r := observedRegistry{Registry: fakeRegistry{}, registered: note}
	if err := r.Register(&registry.Info{}); err != nil {
		t.Fatal(err)
	}
	if err := r.Deregister(&registry.Info{}); err != nil {
		t.Fatal(err)
	}
	if len(states) != 2 || !states[0] || states[1] {
		t.Fatalf("states = %v; want [true false]", states)
	}

	states = nil
	failing := observedRegistry{Registry: fakeRegistry{failRegister: true}, registered: note}
	if err := failing.Register(&registry.Info{}); err == nil {
		t.Fatal("the registration error was swallowed")
	}
	if len(states) != 0 {
		t.Fatalf("a failed registration reported %v", states)
	}
	// Without an observer it is a plain registry.
	if err := (observedRegistry{Registry: fakeRegistry{}}).Register(&registry.Info{}); err != nil {
		t.Fatal(err)
	}
}
