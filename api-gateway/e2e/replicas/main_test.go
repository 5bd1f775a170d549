//go:build integration

// Package replicas drives a stack of two replicas (two instances of each service, two gateways,
// one etcd, MySQL, Redis and NATS) over HTTP like the phone: a write acknowledged through one
// gateway is read through the other at once, with Redis up, paused and flushed.
package replicas

import (
	"testing"

	"simpletiktok/api-gateway/e2e/e2etest"
	"simpletiktok/pkg/cache/redistest"
	"simpletiktok/pkg/devstack"
)

// env is what the package's tests share.
type env struct {
	stack *devstack.Stack
	// redis is the stack's cache, a redis-server of the test binary's own, so that the tests may
	// pause and flush it. Bind it in the test that does.
	redis *redistest.Server
}

var shared *env

func TestMain(m *testing.M) {
	// One address registers and writes far faster than a person; the rate limits have their own
	// tests. The cache is the package's own, so that the tests may pause and flush it.
	e2etest.Main(m, e2etest.Options{Name: "replicas", Schema: "replicas", Replicas: 2, OwnRedis: true,
		Prepare: func(string) ([]string, func(), error) { return []string{"TIKTOK_RATE_LIMIT=off"}, nil, nil },
	}, func(s *e2etest.Suite) {
		shared = &env{stack: s.Stack, redis: s.Redis}
	})
}
