package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"simpletiktok/pkg/coalesce"
	"simpletiktok/pkg/config"
	"simpletiktok/pkg/idbatch"
)

// devJWTSecret is the committed development secret; production mode refuses to start with it.
const devJWTSecret = "dev-only-jwt-secret-do-not-use-in-production"

// gatewayConfig is the whole config of the gateway binary.
type gatewayConfig struct {
	Env       config.Env      `yaml:"env" env:"TIKTOK_ENV"`
	HTTP      httpConfig      `yaml:"http"`
	Admission admissionConfig `yaml:"admission"`
	JWT       jwtConfig       `yaml:"jwt"`
	Media     mediaConfig     `yaml:"media"`
	Display   displayConfig   `yaml:"display"`
	Coalesce  coalesceConfig  `yaml:"coalesce"`
	Etcd      config.Etcd     `yaml:"etcd"`
	Tracing   config.Tracing  `yaml:"tracing"`
	Log       config.Log      `yaml:"log"`
	Client    config.Client   `yaml:"client"`
	Admin     config.Admin    `yaml:"admin"`
}

type httpConfig struct {
	Addr          string        `yaml:"addr" env:"TIKTOK_HTTP_ADDR"`
	PublicBaseURL string        `yaml:"public_base_url" env:"TIKTOK_PUBLIC_BASE_URL"`
	ShutdownGrace time.Duration `yaml:"shutdown_grace"`
	// DrainDelay is how long the gateway goes on serving after SIGTERM with /readyz answering 503,
	// before it stops accepting: load balancers polling /readyz stop sending to it meanwhile, so
	// that no request is sent to a closing listener or on a connection being closed.
	DrainDelay time.Duration `yaml:"drain_delay"`
	// ReadTimeout and WriteTimeout bound each wait for the client to send or take data (not the
	// whole request: a large upload that keeps flowing is fine); IdleTimeout bounds a kept-alive
	// connection between requests.
	ReadTimeout  time.Duration `yaml:"read_timeout"`
	WriteTimeout time.Duration `yaml:"write_timeout"`
	IdleTimeout  time.Duration `yaml:"idle_timeout"`
}

type jwtConfig struct {
	Secret string        `yaml:"secret" env:"TIKTOK_JWT_SECRET"`
	TTL    time.Duration `yaml:"ttl"`
	// RevokedWithin bounds how long a gateway may still accept a token after `user revoke`: it
	// asks the user service for a user's token version at most once in this time (0: on every
	// request).
	RevokedWithin time.Duration `yaml:"revoked_within" env:"TIKTOK_JWT_REVOKED_WITHIN"`
}

// displayConfig is how the gateway shows what the phone prints as is.
type displayConfig struct {
	// TimeZone is the IANA zone of comment dates ("MM-DD"); empty means Asia/Shanghai.
	TimeZone string `yaml:"time_zone" env:"TIKTOK_TIME_ZONE"`
	// ProfilesKept bounds the user profiles (name, avatar, background, signature: they never
	// change) the gateway keeps in memory for its pages; 0 keeps none, and every page asks the user
	// service.
	ProfilesKept int `yaml:"profiles_kept"`
}

// coalesceConfig is how the gateway merges the reads of pages assembled at the same moment
// (pkg/coalesce, docs/performance.md "Merged calls").
type coalesceConfig struct {
	// Lanes is how many merged calls of one method may be in flight at once (at least 1). Keep it
	// at least the number of instances of a service, so that all of them are used.
	Lanes int `yaml:"lanes" env:"TIKTOK_COALESCE_LANES"`
	// MaxQueries is the most pages' queries one merged call carries (1 to idbatch.MaxQueries).
	MaxQueries int `yaml:"max_queries"`
}

// Limits are the batchers' limits.
func (c coalesceConfig) Limits() coalesce.Limits {
	return coalesce.Limits{Lanes: c.Lanes, MaxQueries: c.MaxQueries}
}

func (c coalesceConfig) validate() error {
	if c.Lanes < 1 || c.MaxQueries < 1 || c.MaxQueries > idbatch.MaxQueries {
		return fmt.Errorf("coalesce: lanes must be 1 or more, and max_queries 1 to %d", idbatch.MaxQueries)
	}
	return nil
}

// Location loads the zone. The binary embeds the zone database (time/tzdata), so this works on a
// machine or image without one.
func (d displayConfig) Location() (*time.Location, error) {
	name := d.TimeZone
	if name == "" {
		name = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("display.time_zone: %q is not a time zone name such as Asia/Shanghai or UTC", d.TimeZone)
	}
	return loc, nil
}

// Common gives the sections every process is set up from (bootstrap.Start).
func (c *gatewayConfig) Common() config.Process {
	return config.Process{Env: c.Env, Tracing: c.Tracing, Log: c.Log, Admin: c.Admin}
}

func (c *gatewayConfig) Validate() error {
	errs := []error{c.Env.Validate(), c.Etcd.Validate(), c.Tracing.Validate(), c.Client.Validate(), c.Admin.Validate(c.Env)}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		errs = append(errs, fmt.Errorf("http.addr: %q is not host:port", c.HTTP.Addr))
	}
	if u, err := url.Parse(c.HTTP.PublicBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("http.public_base_url: %q is not an absolute http(s) URL", c.HTTP.PublicBaseURL))
	}
	if c.HTTP.ShutdownGrace <= 0 {
		errs = append(errs, errors.New("http.shutdown_grace must be positive, e.g. 5s"))
	}
	if c.HTTP.DrainDelay < 0 {
		errs = append(errs, errors.New("http.drain_delay must be 0 (none) or positive, e.g. 1s"))
	}
	if c.HTTP.ReadTimeout <= 0 || c.HTTP.WriteTimeout <= 0 || c.HTTP.IdleTimeout <= 0 {
		errs = append(errs, errors.New("http.read_timeout, http.write_timeout and http.idle_timeout must be positive, e.g. 30s, 30s and 60s"))
	}
	errs = append(errs, c.Admission.validate()...)
	if c.JWT.TTL <= 0 || c.JWT.RevokedWithin < 0 {
		errs = append(errs, errors.New("jwt.ttl must be positive, e.g. 720h, and jwt.revoked_within 0 or positive, e.g. 2s"))
	}
	switch {
	case c.JWT.Secret == "":
		errs = append(errs, errors.New("jwt.secret is empty (set TIKTOK_JWT_SECRET)"))
	case c.Env == config.Production && (c.JWT.Secret == devJWTSecret || len(c.JWT.Secret) < 32):
		errs = append(errs, errors.New("production needs its own jwt secret of at least 32 bytes in TIKTOK_JWT_SECRET; the committed development secret is refused"))
	}
	if _, err := c.Display.Location(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.Coalesce.validate())
	errs = append(errs, c.Media.validate(c.Env)...)
	return errors.Join(errs...)
}
