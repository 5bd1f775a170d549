package rpc

import "github.com/cloudwego/kitex/pkg/registry"

// observedRegistry tells registered when the server's registration succeeds and when it is
// withdrawn. Kitex deregisters first when it stops, so readiness turns false before the server
// stops taking calls.
type observedRegistry struct {
	registry.Registry
	registered func(bool)
}

func (r observedRegistry) Register(info *registry.Info) error {
	err := r.Registry.Register(info)
	if err == nil && r.registered != nil {
		r.registered(true)
	}
	return err
}

func (r observedRegistry) Deregister(info *registry.Info) error {
	if r.registered != nil {
		r.registered(false)
	}
	return r.Registry.Deregister(info)
}
