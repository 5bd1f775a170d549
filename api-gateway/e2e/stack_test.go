//go:build integration

// Package e2e drives the real stack (etcd, Jaeger, the six services, the gateway, this machine's
// MySQL, a Redis of its own) over HTTP, the way the phone does. The stack is started once for the
// package, on free ports and in schemas of its own that are dropped at the end.
package e2e

import (
	"testing"

	"simpletiktok/api-gateway/e2e/e2etest"
	"simpletiktok/pkg/cache/redistest"
	"simpletiktok/pkg/devstack"
)

var services = e2etest.Services

// env is what every test of the package shares.
type env struct {
	stack *devstack.Stack
	phone e2etest.Phone
	root  string
	// redis is the stack's cache, a redis-server of the test binary's own: the tests may stop,
	// restart or flush it (cache_test.go). Bind it in the test that does.
	redis *redistest.Server
	// schemaPrefix starts the name of each service's schema: <prefix><service>.
	schemaPrefix string
}

var shared *env

func TestMain(m *testing.M) {
	// The suite registers and writes far faster from one address than a person does; the rate
	// limits have their own tests (internal/handler), the cap in flight stays. The cache is a Redis
	// of the suite's own.
	e2etest.Main(m, e2etest.Options{Name: "e2e", Schema: "e2e", OwnRedis: true,
		Prepare: func(string) ([]string, func(), error) { return []string{"TIKTOK_RATE_LIMIT=off"}, nil, nil },
	}, func(s *e2etest.Suite) {
		shared = &env{stack: s.Stack, phone: e2etest.Phone{Base: s.Stack.GatewayURL()}, root: s.Root, redis: s.Redis,
			schemaPrefix: s.SchemaPrefix}
	})
}
