package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	hertzconfig "github.com/cloudwego/hertz/pkg/common/config"
	"github.com/cloudwego/hertz/pkg/common/ut"
	"github.com/cloudwego/hertz/pkg/route"

	"simpletiktok/api-gateway/internal/application"
	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/api-gateway/internal/handler"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/api-gateway/internal/router"
	"simpletiktok/pkg/config"
	"simpletiktok/pkg/errno"
)

// The committed config has the documented admission defaults and the HTTP timeouts set, and the
// limits it lists for each mode are the code's defaults (so a config that leaves them out gets
// the same numbers).
func TestCommittedAdmissionConfig(t *testing.T) {
	t.Setenv("TIKTOK_ENV", "development")
	var c gatewayConfig
	if err := config.Load("config.yaml", &c); err != nil {
		t.Fatal(err)
	}
	a := c.Admission
	if a.MaxInFlight != 512 || !a.rateLimits() || len(a.TrustedProxies) != 0 {
		t.Fatalf("admission = %+v", a)
	}
	if a.Development != defaultLimits[config.Development] || a.Production != defaultLimits[config.Production] {
		t.Fatalf("committed limits %+v / %+v differ from the defaults %+v", a.Development, a.Production, defaultLimits)
	}
	if c.HTTP.ReadTimeout != 30*time.Second || c.HTTP.WriteTimeout != 30*time.Second || c.HTTP.IdleTimeout != time.Minute {
		t.Fatalf("http timeouts = %+v", c.HTTP)
	}
}

// The gateway's env (the file's, or TIKTOK_ENV) chooses the limits; anything but development takes
// production's. Development's let a suite of a few dozen registrations and logins from one address
// through, production's are the strict ones.
func TestAdmissionLimitsFollowTheMode(t *testing.T) {
	dev, prod := defaultLimits[config.Development], defaultLimits[config.Production]
	for env, want := range map[string]rateLimits{"development": dev, "production": prod} {
		t.Run(env, func(t *testing.T) {
			t.Setenv("TIKTOK_ENV", env)
			t.Setenv("TIKTOK_JWT_SECRET", strings.Repeat("s", 32)) // production refuses the committed one
			var c gatewayConfig
			if err := config.Load("config.yaml", &c); err != nil {
				t.Fatal(err)
			}
			if c.Env != config.Env(env) || c.Admission.limits(c.Env) != want {
				t.Fatalf("env %s: limits %+v; want %+v", c.Env, c.Admission.limits(c.Env), want)
			}
		})
	}
	if (admissionConfig{}).limits("") != prod {
		t.Fatal("without a mode the limits must be production's")
	}
	if dev.RegisterPerIP.Burst < 40 || dev.LoginFailuresPerIP.Burst < 20 || dev.WritesPerUser.Burst < 100 {
		t.Fatalf("development limits %+v would refuse a client test suite", dev)
	}
	if prod.RegisterPerIP.Burst > 5 || prod.LoginFailuresPerAccount.Burst > 10 || prod.LoginFailuresPerAccount.Per < time.Hour {
		t.Fatalf("production limits %+v are not strict", prod)
	}
	// A bucket set in the file wins over the default; the others keep theirs.
	a := admissionConfig{Development: rateLimits{PublishPerIP: rateConfig{1, time.Hour, 1}}}
	if got := a.limits(config.Development); got.PublishPerIP != (rateConfig{1, time.Hour, 1}) || got.RegisterPerIP != dev.RegisterPerIP {
		t.Fatalf("limits with one bucket set = %+v", got)
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
	bad.Admission.Production.WritesPerUser.Burst = 0
	if errs := bad.Admission.validate(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "admission.production.writes_per_user") {
		t.Fatalf("a bucket of no burst: %v", errs)
	}
}

// A client test suite run from one address against `make run` (development) meets no rate
// limit: dozens of registrations, a hundred logins, a few wrong passwords, a burst of writes by
// one user. The same flow against the production limits is refused: they are the strict ones.
func TestSuiteFromOneAddressPassesInDevelopment(t *testing.T) {
	for _, env := range []string{"development", "production"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv("TIKTOK_ENV", env)
			t.Setenv("TIKTOK_JWT_SECRET", strings.Repeat("s", 32))
			var c gatewayConfig
			if err := config.Load("config.yaml", &c); err != nil {
				t.Fatal(err)
			}
			b := fakes.New()
			e := fakeGateway(t, b, c.Admission.admission(c.Env, nil))
			refused := 0
			post := func(pathQuery string) {
				w := ut.PerformRequest(e, http.MethodPost, pathQuery, nil)
				var body struct {
					StatusCode int32 `json:"status_code"`
				}
				if err := json.Unmarshal(w.Result().Body(), &body); err != nil {
					t.Fatalf("%s: %s", pathQuery, w.Result().Body())
				}
				if body.StatusCode == errno.RateLimited.Code {
					refused++
				}
			}
			for i := range 40 {
				post(fmt.Sprintf("/douyin/user/register/?username=suite%d&password=pw", i))
			}
			for i := range 100 {
				post(fmt.Sprintf("/douyin/user/login/?username=suite%d&password=pw", i%40))
			}
			b.Fail("user.Login", fakes.BizErr(errno.UserLoginFailed))
			for i := range 5 {
				post(fmt.Sprintf("/douyin/user/login/?username=suite%d&password=wrong", i))
			}
			for range 100 {
				post("/douyin/favorite/action/?video_id=3&action_type=1&token=u7")
			}
			if env == "development" && refused != 0 {
				t.Fatalf("%d requests of a client suite were refused 10009 in development; want none", refused)
			}
			if env == "production" && refused == 0 {
				t.Fatal("the production limits let 40 registrations and 100 writes a second from one client through")
			}
		})
	}
}

// fakeGateway is the real router, handlers and use cases over the fake services, admitting with
// adm.
func fakeGateway(t *testing.T, b *fakes.Backend, adm *middleware.Admission) *route.Engine {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	pages := assemble.New(b.Clients(), assemble.NewMedia("http://gw.test"), log)
	uses := application.New(b.Clients(), pages, fakes.Tokens{}, nil, &fakes.Events{}, log)
	engine := route.NewEngine(hertzconfig.NewOptions(nil))
	if err := router.Register(engine, handler.New(uses, fakes.Tokens{}, nil, log), fakes.Tokens{}, adm); err != nil {
		t.Fatal(err)
	}
	return engine
}
