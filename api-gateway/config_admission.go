package main

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"simpletiktok/api-gateway/internal/limit"
	"simpletiktok/api-gateway/internal/middleware"
)

// admissionConfig is the admission control of the gateway (middleware.Admission): a cap on the
// requests in flight, and rate limits per client address (register, login, publish) and per user
// (the other writes). docs/configuration.md gives the reasons for the numbers.
type admissionConfig struct {
	MaxInFlight int `yaml:"max_in_flight" env:"TIKTOK_MAX_IN_FLIGHT"`
	// RateLimit is "on" (also when empty) or "off": off turns the per-address and per-user limits
	// off (seeding, load tests); the cap on requests in flight stays.
	RateLimit string `yaml:"rate_limit" env:"TIKTOK_RATE_LIMIT"`
	// TrustedProxies are the CIDRs of proxies in front of the gateway whose X-Forwarded-For is
	// believed; empty: the client address is the peer's.
	TrustedProxies []string   `yaml:"trusted_proxies" env:"TIKTOK_TRUSTED_PROXIES"`
	RegisterPerIP  rateConfig `yaml:"register_per_ip"`
	LoginPerIP     rateConfig `yaml:"login_per_ip"`
	PublishPerIP   rateConfig `yaml:"publish_per_ip"`
	WritesPerUser  rateConfig `yaml:"writes_per_user"`
}

// rateConfig is a token bucket: events per period on average, in bursts of at most burst.
type rateConfig struct {
	Events int           `yaml:"events"`
	Per    time.Duration `yaml:"per"`
	Burst  int           `yaml:"burst"`
}

func (r rateConfig) rate() limit.Rate {
	return limit.Rate{Events: r.Events, Per: r.Per, Burst: r.Burst}
}

func (r rateConfig) validate(key string) error {
	if r.Events <= 0 || r.Per <= 0 || r.Burst <= 0 {
		return fmt.Errorf("admission.%s: events, per and burst must be positive, e.g. {events: 10, per: 1m, burst: 5}", key)
	}
	return nil
}

// rateLimits reports whether the per-address and per-user limits are on.
func (a admissionConfig) rateLimits() bool { return a.RateLimit != "off" }

func (a admissionConfig) validate() []error {
	var errs []error
	if a.MaxInFlight <= 0 {
		errs = append(errs, errors.New("admission.max_in_flight must be positive (set it or TIKTOK_MAX_IN_FLIGHT), e.g. 512"))
	}
	if a.RateLimit != "" && a.RateLimit != "on" && a.RateLimit != "off" {
		errs = append(errs, fmt.Errorf("admission.rate_limit (TIKTOK_RATE_LIMIT) must be on or off, got %q", a.RateLimit))
	}
	if _, err := a.proxies(); err != nil {
		errs = append(errs, err)
	}
	for key, r := range map[string]rateConfig{"register_per_ip": a.RegisterPerIP, "login_per_ip": a.LoginPerIP,
		"publish_per_ip": a.PublishPerIP, "writes_per_user": a.WritesPerUser} {
		if err := r.validate(key); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func (a admissionConfig) proxies() ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(a.TrustedProxies))
	for _, s := range a.TrustedProxies {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("admission.trusted_proxies: %q is not a CIDR such as 10.0.0.0/8", s)
		}
		out = append(out, p)
	}
	return out, nil
}

// admission builds the middleware's config; counter may be nil.
func (a admissionConfig) admission(counter middleware.RateCounter) *middleware.Admission {
	proxies, _ := a.proxies() // checked by validate
	return middleware.NewAdmission(middleware.AdmissionConfig{
		MaxInFlight:    a.MaxInFlight,
		RateLimits:     a.rateLimits(),
		Register:       a.RegisterPerIP.rate(),
		Login:          a.LoginPerIP.rate(),
		Publish:        a.PublishPerIP.rate(),
		Writes:         a.WritesPerUser.rate(),
		TrustedProxies: proxies,
	}, counter)
}
