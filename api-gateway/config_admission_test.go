package main

import (
	"strings"
	"testing"
	"time"

	"simpletiktok/pkg/config"
)

// The committed config has the documented admission defaults and the HTTP timeouts set.
func TestCommittedAdmissionConfig(t *testing.T) {
	var c gatewayConfig
	if err := config.Load("config.yaml", &c); err != nil {
		t.Fatal(err)
	}
	a := c.Admission
	if a.MaxInFlight != 512 || !a.rateLimits() || len(a.TrustedProxies) != 0 ||
		a.RegisterPerIP != (rateConfig{10, time.Minute, 5}) || a.LoginPerIP != (rateConfig{30, time.Minute, 10}) ||
		a.PublishPerIP != (rateConfig{20, time.Minute, 5}) || a.WritesPerUser != (rateConfig{10, time.Second, 20}) {
		t.Fatalf("admission = %+v", a)
	}
	if c.HTTP.ReadTimeout != 30*time.Second || c.HTTP.WriteTimeout != 30*time.Second || c.HTTP.IdleTimeout != time.Minute {
		t.Fatalf("http timeouts = %+v", c.HTTP)
	}
}

// TIKTOK_RATE_LIMIT=off turns the rate limits off and leaves the cap; anything but on or off, and
// numbers that make no bucket, stop the start with the key named.
func TestAdmissionFromEnvironment(t *testing.T) {
	t.Setenv("TIKTOK_RATE_LIMIT", "off")
	t.Setenv("TIKTOK_MAX_IN_FLIGHT", "64")
	t.Setenv("TIKTOK_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.0.0/16")
	var c gatewayConfig
	if err := config.Load("config.yaml", &c); err != nil {
		t.Fatal(err)
	}
	if c.Admission.rateLimits() || c.Admission.MaxInFlight != 64 || len(c.Admission.TrustedProxies) != 2 {
		t.Fatalf("admission = %+v; want limits off, a cap of 64, two proxies", c.Admission)
	}
	for env, key := range map[string][2]string{
		"TIKTOK_RATE_LIMIT":      {"sometimes", "admission.rate_limit"},
		"TIKTOK_MAX_IN_FLIGHT":   {"0", "admission.max_in_flight"},
		"TIKTOK_TRUSTED_PROXIES": {"10.0.0.1", "admission.trusted_proxies"},
	} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(env, key[0])
			if err := config.Load("config.yaml", &c); err == nil || !strings.Contains(err.Error(), key[1]) {
				t.Fatalf("%s=%s: Load = %v; want an error naming %s", env, key[0], err, key[1])
			}
		})
	}
	t.Setenv("TIKTOK_RATE_LIMIT", "on")
	var bad gatewayConfig
	if err := config.Load("config.yaml", &bad); err != nil {
		t.Fatal(err)
	}
	bad.Admission.WritesPerUser.Burst = 0
	if errs := bad.Admission.validate(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "admission.writes_per_user") {
		t.Fatalf("a bucket of no burst: %v", errs)
	}
}
