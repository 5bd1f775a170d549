package main

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/config"
	"simpletiktok/pkg/limit"
)

// admissionConfig is the admission control of the gateway (middleware.Admission): a cap on the
// requests in flight, and rate limits per client address (costly registrations, failed logins,
// publish), per account (failed logins) and per user (the other writes). The limits differ by
// mode: development's let a developer run client test suites from one address, production's
// protect the service. docs/configuration.md gives the reasons for the numbers.
type admissionConfig struct {
	MaxInFlight int `yaml:"max_in_flight" env:"TIKTOK_MAX_IN_FLIGHT"`
	// RateLimit is "on" (also when empty) or "off": off turns the per-address, per-account and
	// per-user limits off (seeding, load tests); the cap on requests in flight stays.
	RateLimit string `yaml:"rate_limit" env:"TIKTOK_RATE_LIMIT"`
	// TrustedProxies are the CIDRs of proxies in front of the gateway whose X-Forwarded-For is
	// believed; empty: the client address is the peer's.
	TrustedProxies []string `yaml:"trusted_proxies" env:"TIKTOK_TRUSTED_PROXIES"`
	// Development and Production are the limits of each mode; the gateway's env (the file's
	// env, or TIKTOK_ENV) picks one, and anything but development takes Production's.
	Development rateLimits `yaml:"development"`
	Production  rateLimits `yaml:"production"`
}

// rateLimits are the token buckets of one mode; a bucket left out takes the mode's default
// (defaultLimits).
type rateLimits struct {
	// RegisterPerIP counts the registrations from an address that cost something: an account
	// created, or a password hashed before the name was found taken.
	RegisterPerIP rateConfig `yaml:"register_per_ip"`
	// LoginFailuresPerIP and LoginFailuresPerAccount count failed logins (11002), from an address
	// and of an account name; a successful login costs no token.
	LoginFailuresPerIP      rateConfig `yaml:"login_failures_per_ip"`
	LoginFailuresPerAccount rateConfig `yaml:"login_failures_per_account"`
	PublishPerIP            rateConfig `yaml:"publish_per_ip"`
	WritesPerUser           rateConfig `yaml:"writes_per_user"`
}

// defaultLimits are the limits of each mode (docs/configuration.md says why).
var defaultLimits = map[config.Env]rateLimits{
	config.Development: {
		RegisterPerIP:           rateConfig{300, time.Minute, 100},
		LoginFailuresPerIP:      rateConfig{100, time.Minute, 100},
		LoginFailuresPerAccount: rateConfig{10, time.Minute, 10},
		PublishPerIP:            rateConfig{120, time.Minute, 60},
		WritesPerUser:           rateConfig{100, time.Second, 200},
	},
	config.Production: {
		RegisterPerIP:           rateConfig{10, time.Minute, 5},
		LoginFailuresPerIP:      rateConfig{60, time.Hour, 20},
		LoginFailuresPerAccount: rateConfig{10, time.Hour, 10},
		PublishPerIP:            rateConfig{20, time.Minute, 5},
		WritesPerUser:           rateConfig{10, time.Second, 20},
	},
}

// rateConfig is a token bucket: events per period on average, in bursts of at most burst. All
// zero: the mode's default.
type rateConfig struct {
	Events int           `yaml:"events"`
	Per    time.Duration `yaml:"per"`
	Burst  int           `yaml:"burst"`
}

func (r rateConfig) rate() limit.Rate {
	return limit.Rate{Events: r.Events, Per: r.Per, Burst: r.Burst}
}

func (r rateConfig) validate(key string) error {
	if r != (rateConfig{}) && (r.Events <= 0 || r.Per <= 0 || r.Burst <= 0) {
		return fmt.Errorf("admission.%s: events, per and burst must be positive, e.g. {events: 10, per: 1m, burst: 5}, or all left out for the default", key)
	}
	return nil
}

// or is r, or def where r is left out.
func (r rateConfig) or(def rateConfig) rateConfig {
	if r == (rateConfig{}) {
		return def
	}
	return r
}

func (l rateLimits) buckets() map[string]rateConfig {
	return map[string]rateConfig{"register_per_ip": l.RegisterPerIP, "login_failures_per_ip": l.LoginFailuresPerIP,
		"login_failures_per_account": l.LoginFailuresPerAccount, "publish_per_ip": l.PublishPerIP,
		"writes_per_user": l.WritesPerUser}
}

// rateLimits reports whether the per-address, per-account and per-user limits are on.
func (a admissionConfig) rateLimits() bool { return a.RateLimit != "off" }

// limits are the buckets of the mode env (production's unless env is development), the file's
// values over the defaults.
func (a admissionConfig) limits(env config.Env) rateLimits {
	set, def := a.Production, defaultLimits[config.Production]
	if env == config.Development {
		set, def = a.Development, defaultLimits[config.Development]
	}
	return rateLimits{
		RegisterPerIP:           set.RegisterPerIP.or(def.RegisterPerIP),
		LoginFailuresPerIP:      set.LoginFailuresPerIP.or(def.LoginFailuresPerIP),
		LoginFailuresPerAccount: set.LoginFailuresPerAccount.or(def.LoginFailuresPerAccount),
		PublishPerIP:            set.PublishPerIP.or(def.PublishPerIP),
		WritesPerUser:           set.WritesPerUser.or(def.WritesPerUser),
	}
}

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
	for mode, l := range map[config.Env]rateLimits{config.Development: a.Development, config.Production: a.Production} {
		for key, r := range l.buckets() {
			if err := r.validate(string(mode) + "." + key); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

func (a admissionConfig) proxies() ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(a.TrustedProxies))
	for _, s := range a.TrustedProxies {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("admission.trusted_proxies: %q is not a CIDR such as 10.244.0.0/16", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// admission builds the middleware's config; counter may be nil.
func (a admissionConfig) admission(env config.Env, counter middleware.RateCounter) *middleware.Admission {
	proxies, _ := a.proxies() // checked by validate
	l := a.limits(env)
	return middleware.NewAdmission(middleware.AdmissionConfig{
		MaxInFlight:     a.MaxInFlight,
		RateLimits:      a.rateLimits(),
		Register:        l.RegisterPerIP.rate(),
		LoginFailures:   l.LoginFailuresPerIP.rate(),
		AccountFailures: l.LoginFailuresPerAccount.rate(),
		Publish:         l.PublishPerIP.rate(),
		Writes:          l.WritesPerUser.rate(),
		TrustedProxies:  proxies,
	}, counter)
}
