//go:build integration

package devstack

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"simpletiktok/pkg/cache/redistest"
)

func TestCheckRedis(t *testing.T) {
	srv := redistest.Start(t)
	if err := CheckRedis(context.Background(), srv.Addr, ""); err != nil {
		t.Fatalf("a running Redis: %v", err)
	}
}

func TestCheckRedisMissingSaysWhatToDo(t *testing.T) {
	addr := "127.0.0.1:" + strconv.Itoa(closedPort(t))
	err := CheckRedis(context.Background(), addr, "")
	if err == nil {
		t.Fatal("a closed port passed the check")
	}
	for _, want := range []string{"not reachable at " + addr, "apt-get install -y redis-server", "REDIS_ADDR"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if err := CheckRedis(context.Background(), "no-port", ""); err == nil || !strings.Contains(err.Error(), "host:port") {
		t.Errorf("a bad address: %v", err)
	}
}
