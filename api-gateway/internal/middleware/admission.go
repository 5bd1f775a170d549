package middleware

import (
	"context"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/limit"
)

// Admission decides which requests the gateway takes on, before any work is done for them:
//
//   - a cap on the requests in flight (all API endpoints): over it, a request is answered 10008
//     "busy" at once, instead of joining a queue that would turn it into a timeout;
//   - token buckets per client address for registrations that cost something (an account, or at
//     least a bcrypt hash), and for publish (an upload costs disk and an ffprobe run; its token
//     comes inside the streamed body, so the address is what is known up front);
//   - token buckets for failed logins, per client address and per account name: password guessing
//     and credential stuffing are stopped, while a client that logs in correctly is never slowed;
//   - a token bucket per user for the other writes (like, comment, follow, message).
//
// The limits count what costs, not every attempt: a register or login takes a token before the
// user service is called (so that many attempts at once cannot pass together on the last token)
// and gets it back once the answer shows it cost nothing. A refusal by a bucket is 10009, made
// before anything is done, and counted by route. The buckets can be switched off
// (TIKTOK_RATE_LIMIT=off, for seeding and load tests); the cap on requests in flight cannot.
type Admission struct {
	gate    *limit.Gate
	limits  *buckets // nil: the rate limits are off
	proxies []netip.Prefix
	counter RateCounter
}

type buckets struct {
	register        *limit.Keyed // costly registrations per address
	loginFailures   *limit.Keyed // failed logins per address
	accountFailures *limit.Keyed // failed logins per account name
	publish         *limit.Keyed // uploads per address
	writes          *limit.Keyed // other writes per user
}

// Limit names the rate limit an endpoint is subject to.
type Limit int

const (
	NoLimit       Limit = iota
	RegisterPerIP       // register: the registrations that cost something, per client address
	LoginPerIP          // login: the failed ones, per client address and per account name
	PublishPerIP        // publish, per client address
	WritePerUser        // the other writes, per verified user
)

// AdmissionConfig holds the numbers of Admission.
type AdmissionConfig struct {
	MaxInFlight int
	// RateLimits turns the per-address, per-account and per-user buckets on.
	RateLimits bool
	// Register counts the registrations from an address that created an account or were refused
	// only after the password was hashed (a taken name); LoginFailures and AccountFailures the
	// failed logins (11002) from an address and of an account name.
	Register, LoginFailures, AccountFailures limit.Rate
	Publish, Writes                          limit.Rate
	TrustedProxies                           []netip.Prefix
	// MaxKeys bounds the buckets of each limit (0: limit.DefaultMaxKeys); Now is the clock
	// (nil: time.Now).
	MaxKeys int
	Now     func() time.Time
}

// RateCounter counts refusals by a rate limit, by route template. pkg/metrics' Business satisfies
// it.
type RateCounter interface {
	RateLimited(route string)
}

// NewAdmission returns the admission control of cfg; counter may be nil.
func NewAdmission(cfg AdmissionConfig, counter RateCounter) *Admission {
	a := &Admission{gate: limit.NewGate(cfg.MaxInFlight), proxies: cfg.TrustedProxies, counter: counter}
	if !cfg.RateLimits {
		return a
	}
	maxKeys, now := cfg.MaxKeys, cfg.Now
	if maxKeys <= 0 {
		maxKeys = limit.DefaultMaxKeys
	}
	if now == nil {
		now = time.Now
	}
	keyed := func(r limit.Rate) *limit.Keyed { return limit.NewKeyed(r, maxKeys, now) }
	a.limits = &buckets{
		register:        keyed(cfg.Register),
		loginFailures:   keyed(cfg.LoginFailures),
		accountFailures: keyed(cfg.AccountFailures),
		publish:         keyed(cfg.Publish),
		writes:          keyed(cfg.Writes),
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

// Before returns the handler of the limit l that runs before the body is read (the per-address
// ones), or nil when there is none to run.
func (a *Admission) Before(l Limit, blank Fields) app.HandlerFunc {
	if a.limits == nil {
		return nil
	}
	switch l {
	case RegisterPerIP:
		return a.charge(blank, func(c *app.RequestContext) []keyedBy {
			return []keyedBy{{a.limits.register, a.clientKey(c)}}
		}, registrationCostNothing)
	case LoginPerIP:
		return a.charge(blank, func(c *app.RequestContext) []keyedBy {
			return []keyedBy{{a.limits.loginFailures, a.clientKey(c)}}
		}, loginDidNotFail)
	case PublishPerIP:
		return a.charge(blank, func(c *app.RequestContext) []keyedBy {
			return []keyedBy{{a.limits.publish, a.clientKey(c)}}
		}, nil)
	}
	return nil
}

// After returns the handler of the limit l that runs once the request's parameters or caller are
// known (after the body is read and the token checked, just before the endpoint's handler), or
// nil when there is none to run.
func (a *Admission) After(l Limit, blank Fields) app.HandlerFunc {
	if a.limits == nil {
		return nil
	}
	switch l {
	case LoginPerIP:
		return a.charge(blank, func(c *app.RequestContext) []keyedBy {
			return []keyedBy{{a.limits.accountFailures, accountKey(c)}}
		}, loginDidNotFail)
	case WritePerUser:
		return a.charge(blank, func(c *app.RequestContext) []keyedBy {
			return []keyedBy{{a.limits.writes, strconv.FormatInt(Viewer(c), 10)}}
		}, nil)
	}
	return nil
}

type keyedBy struct {
	buckets *limit.Keyed
	key     string
}

// charge takes a token from each bucket of the request before it goes on, and refuses it with
// 10009 when one of them has none left (taking nothing). Once the request is answered, free (when
// not nil) looks at the answer's status_code: an answer that cost nothing gets its tokens back.
func (a *Admission) charge(blank Fields, of func(*app.RequestContext) []keyedBy, free func(code int32) bool) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		taken := of(c)
		for i, k := range taken {
			if !k.buckets.Allow(k.key) {
				for _, back := range taken[:i] {
					back.buckets.Refund(back.key)
				}
				c.Abort()
				if a.counter != nil {
					a.counter.RateLimited(c.FullPath())
				}
				WriteStatusWith(c, http.StatusOK, errno.RateLimited, blank.of(c))
				return
			}
		}
		c.Next(ctx)
		if free == nil {
			return
		}
		if code, ok := businessCode(c); ok && free(code) {
			for _, k := range taken {
				k.buckets.Refund(k.key)
			}
		}
	}
}

// registrationCostNothing says whether a registration answered code cost neither an account nor
// a bcrypt hash: input refused before hashing, or no service reached. A taken name (11001) is not
// free: the user service hashes the password before the unique key refuses the name. A timeout
// may have hashed: it counts too.
func registrationCostNothing(code int32) bool {
	switch code {
	case errno.BadRequest.Code, errno.ServiceUnavailable.Code, errno.UserInvalidName.Code, errno.UserInvalidPassword.Code:
		return true
	}
	return false
}

// loginDidNotFail says whether a login answered code is anything but a refusal of its
// credentials: only 11002 (wrong username or password) counts against the failure budgets.
func loginDidNotFail(code int32) bool { return code != errno.UserLoginFailed.Code }

// maxAccountKey bounds the account names kept as keys: a name longer than the longest valid one
// (32 characters of up to 4 bytes) is refused by the user service without a hash, and its bucket
// need not be told apart from another's.
const maxAccountKey = 128

// accountKey is the account name a login is for, as the handler reads it (query, then form).
// Account names are compared byte for byte by the user service (utf8mb4_bin), so the key is the
// name as sent.
func accountKey(c *app.RequestContext) string {
	name, ok := c.GetQuery("username")
	if !ok && !c.Request.IsBodyStream() {
		name, _ = c.GetPostForm("username")
	}
	if len(name) > maxAccountKey {
		name = name[:maxAccountKey]
	}
	return name
}

func businessCode(c *app.RequestContext) (int32, bool) {
	v, ok := c.Get(businessCodeKey)
	if !ok {
		return 0, false
	}
	code, ok := v.(int32)
	return code, ok
}

// clientKey is the key of the request's client address for the per-address buckets
// (limit.AddressKey: an IPv6 client by its /64).
func (a *Admission) clientKey(c *app.RequestContext) string {
	return limit.AddressKey(limit.ClientAddr(limit.Peer(c.RemoteAddr()), c.Request.Header.PeekAll("X-Forwarded-For"), limit.Within(a.proxies)))
}
