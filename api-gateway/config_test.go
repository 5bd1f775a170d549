package main

import (
	"strings"
	"testing"

	"simpletiktok/pkg/config"
)

func TestCommittedConfigLoads(t *testing.T) {
	var c gatewayConfig
	if err := config.Load("config.yaml", &c); err != nil {
		t.Fatal(err)
	}
	if c.JWT.Secret != devJWTSecret {
		t.Fatalf("the committed config should carry the development secret")
	}
}

func TestProductionRefusesDevelopmentSecret(t *testing.T) {
	t.Setenv("TIKTOK_ENV", "production")
	var c gatewayConfig
	err := config.Load("config.yaml", &c)
	if err == nil || !strings.Contains(err.Error(), "jwt secret") {
		t.Fatalf("Load in production with the dev secret = %v; want a jwt secret error", err)
	}

	t.Setenv("TIKTOK_JWT_SECRET", "a-real-secret-that-is-long-enough-1234567890")
	if err := config.Load("config.yaml", &c); err != nil {
		t.Fatalf("Load in production with a real secret: %v", err)
	}
}

func TestBadValuesAreNamed(t *testing.T) {
	t.Setenv("TIKTOK_HTTP_ADDR", "nonsense")
	t.Setenv("TIKTOK_ETCD_ENDPOINTS", "")
	var c gatewayConfig
	err := config.Load("config.yaml", &c)
	if err == nil || !strings.Contains(err.Error(), "http.addr") || !strings.Contains(err.Error(), "etcd.endpoints") {
		t.Fatalf("Load = %v; want errors naming http.addr and etcd.endpoints", err)
	}
}
