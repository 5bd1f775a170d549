package middleware

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/internal/limit"
	"simpletiktok/pkg/errno"
)

// Admission decides which requests the gateway takes on, before any work is done for them:
//
//   - a cap on the requests in flight (all API endpoints): over it, a request is answered 10008
//     "busy" at once, instead of joining a queue that would turn it into a timeout;
//   - token buckets per client address for register and login (bcrypt makes each one cost tens of
//     milliseconds of CPU) and for publish (an upload costs disk and an ffprobe run; its token
//     comes inside the streamed body, so the address is what is known up front);
//   - a token bucket per user for the other writes (like, comment, follow, message).
//
// A refusal by a bucket is 10009 and counted by route. The per-address and per-user buckets can be
// switched off (TIKTOK_RATE_LIMIT=off, for seeding and load tests); the cap on requests in flight
// cannot.
type Admission struct {
	gate    *limit.Gate
	perIP   map[Limit]*limit.Keyed
	perUser *limit.Keyed
	proxies []netip.Prefix
	counter RateCounter
}

// Limit names a bucket an endpoint is subject to.
type Limit int

const (
	NoLimit       Limit = iota
	RegisterPerIP       // register, per client address
	LoginPerIP          // login, per client address
	PublishPerIP        // publish, per client address
	WritePerUser        // the other writes, per verified user
)

// AdmissionConfig holds the numbers of Admission.
type AdmissionConfig struct {
	MaxInFlight int
	// RateLimits turns the per-address and per-user buckets on.
	RateLimits               bool
	Register, Login, Publish limit.Rate
	Writes                   limit.Rate
	TrustedProxies           []netip.Prefix
}

// RateCounter counts refusals by a rate limit, by route template. pkg/metrics' Business satisfies
// it.
type RateCounter interface {
	RateLimited(route string)
}

// NewAdmission returns the admission control of cfg; counter may be nil.
func NewAdmission(cfg AdmissionConfig, counter RateCounter) *Admission {
	a := &Admission{gate: limit.NewGate(cfg.MaxInFlight), proxies: cfg.TrustedProxies, counter: counter}
	if cfg.RateLimits {
		a.perIP = map[Limit]*limit.Keyed{
			RegisterPerIP: limit.NewKeyed(cfg.Register, limit.DefaultMaxKeys, time.Now),
			LoginPerIP:    limit.NewKeyed(cfg.Login, limit.DefaultMaxKeys, time.Now),
			PublishPerIP:  limit.NewKeyed(cfg.Publish, limit.DefaultMaxKeys, time.Now),
		}
		a.perUser = limit.NewKeyed(cfg.Writes, limit.DefaultMaxKeys, time.Now)
	}
	return a
}

// InFlight admits a request while fewer than max are in flight, and answers 10008 otherwise.
func (a *Admission) InFlight(blank Fields) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		if !a.gate.Enter() {
			c.Abort()
			WriteStatusWith(c, http.StatusOK, errno.Busy, blank.of(c))
			return
		}
		defer a.gate.Leave()
		c.Next(ctx)
	}
}

// Before returns the handler of the bucket of l that runs before the body is read (the
// per-address ones), or nil when there is none to run.
func (a *Admission) Before(l Limit, blank Fields) app.HandlerFunc {
	keyed := a.perIP[l]
	if keyed == nil {
		return nil
	}
	return a.bucket(blank, keyed, func(c *app.RequestContext) string { return a.clientAddr(c) })
}

// After returns the handler of the bucket of l that runs once the caller is known (the per-user
// one, after RequireToken), or nil when there is none to run.
func (a *Admission) After(l Limit, blank Fields) app.HandlerFunc {
	if l != WritePerUser || a.perUser == nil {
		return nil
	}
	return a.bucket(blank, a.perUser, func(c *app.RequestContext) string {
		return strconv.FormatInt(Viewer(c), 10)
	})
}

func (a *Admission) bucket(blank Fields, keyed *limit.Keyed, key func(*app.RequestContext) string) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		if !keyed.Allow(key(c)) {
			c.Abort()
			if a.counter != nil {
				a.counter.RateLimited(c.FullPath())
			}
			WriteStatusWith(c, http.StatusOK, errno.RateLimited, blank.of(c))
			return
		}
		c.Next(ctx)
	}
}

// clientAddr is the address a request came from: the peer, or, when the peer is a trusted proxy,
// the nearest address in X-Forwarded-For that is not one (an address a client wrote itself further
// left is not believed).
func (a *Admission) clientAddr(c *app.RequestContext) string {
	peer := hostOf(c.RemoteAddr())
	if !a.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(string(c.GetHeader("X-Forwarded-For")), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !a.trusted(hop) {
			return hop.String()
		}
		peer = hop
	}
	return peer.String()
}

func (a *Admission) trusted(addr netip.Addr) bool {
	for _, p := range a.proxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

func hostOf(addr net.Addr) netip.Addr {
	if addr == nil {
		return netip.Addr{}
	}
	if ap, err := netip.ParseAddrPort(addr.String()); err == nil {
		return ap.Addr().Unmap()
	}
	host, _, _ := net.SplitHostPort(addr.String())
	ip, _ := netip.ParseAddr(host)
	return ip
}
