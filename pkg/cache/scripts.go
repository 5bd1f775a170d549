package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A value a write can change lives in a plain string key, K; the token of the fill in progress,
// when one is, in K's token key (tokenKey). A write deletes both at once, so a token never comes
// back. A lookup reads the values with one MGET, the cheapest read Redis has; only the keys that
// missed go through lookupScript, which hands out tokens.

// tokenSuffix makes the token key of a value key.
const tokenSuffix = "~t"

// tokenKey is the key of key's fill token.
func tokenKey(key string) string { return key + tokenSuffix }

// lookupScript reads the n = #KEYS/2 keys KEYS[1..n], whose token keys are KEYS[n+1..2n], and
// returns {seconds, microseconds, r1, r2, ...}: the Redis time (as TIME gives it: Lua would print
// a microsecond count in floating point), then ri, the value of KEYS[i] (a hit: filled since the
// MGET that missed it) or a one-element array holding its token (a miss). A key without a token
// gets the token ARGV[1]..i, which expires after ARGV[2] ms. A key holding another type (the hash
// of an earlier version of this cache) is a miss, and is removed.
var lookupScript = redis.NewScript(`
local t = redis.call('TIME')
local out = {t[1], t[2]}
local n = #KEYS / 2
for i = 1, n do
  local k = KEYS[i]
  local kind = redis.call('TYPE', k)['ok']
  local v = false
  if kind == 'string' then
    v = redis.call('GET', k)
  elseif kind ~= 'none' then
    redis.call('DEL', k)
  end
  if v then
    out[i + 2] = v
  else
    local tk = KEYS[n + i]
    local tok = redis.call('GET', tk)
    if not tok then
      tok = ARGV[1] .. i
      redis.call('SET', tk, tok, 'PX', ARGV[2])
    end
    out[i + 2] = {tok}
  end
end
return out
`)

// fillScript stores values read from MySQL: KEYS as for lookupScript, ARGV = {start_us,
// window_us, ttl_ms, token1, value1, token2, value2, ...}. Nothing is stored when more than
// window_us passed since start_us (the Redis time of the lookup), and a value only where the
// key's token is still the one of that lookup. It returns how many values it stored.
var fillScript = redis.NewScript(`
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
if now - tonumber(ARGV[1]) > tonumber(ARGV[2]) then return -1 end
local n = #KEYS / 2
local stored = 0
for i = 1, n do
  if redis.call('GET', KEYS[n + i]) == ARGV[2 + 2 * i] then
    redis.call('SET', KEYS[i], ARGV[3 + 2 * i], 'PX', ARGV[3])
    stored = stored + 1
  end
end
return stored
`)

// withTokenKeys returns keys followed by their token keys, the KEYS of both scripts.
func withTokenKeys(keys []string) []string {
	all := make([]string, 0, 2*len(keys))
	all = append(all, keys...)
	for _, k := range keys {
		all = append(all, tokenKey(k))
	}
	return all
}

// ticket is what a lookup hands to the fill of its misses.
type ticket struct {
	startUs int64    // Redis time of the lookup, in microseconds
	tokens  []string // per key looked up; "" for a hit
}

// token is the token of the i-th key looked up: "" for a hit, which no fill can use.
func (tk ticket) token(i int) string {
	if i < len(tk.tokens) {
		return tk.tokens[i]
	}
	return ""
}

// newTokenBase returns a random prefix for the tokens one lookup may create.
func newTokenBase() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:]) + ":"
}

// lookup reads keys: values[i] is nil for a miss, and the ticket holds the token of each miss.
// One MGET answers when every key hits (the common case); the misses then go through
// lookupScript.
func (c *Cache) lookup(ctx context.Context, keys []string) (values [][]byte, tk ticket, err error) {
	values, err = c.getPlain(ctx, keys)
	if err != nil {
		return nil, tk, err
	}
	var missed []int
	for i, v := range values {
		if v == nil {
			missed = append(missed, i)
		}
	}
	if len(missed) == 0 {
		return values, tk, nil
	}
	missKeys := make([]string, len(missed))
	for j, i := range missed {
		missKeys[j] = keys[i]
	}
	tokenTTL := 2 * c.cfg.FillWindow
	var raw any
	err = c.call(ctx, func(ctx context.Context) error {
		var e error
		raw, e = lookupScript.Run(ctx, c.rdb, withTokenKeys(missKeys), newTokenBase(), tokenTTL.Milliseconds()).Result()
		return e
	})
	if err != nil {
		return nil, tk, err
	}
	missValues, missTk, err := parseLookup(raw, len(missKeys))
	if err != nil {
		return nil, tk, err
	}
	tk = ticket{startUs: missTk.startUs, tokens: make([]string, len(keys))}
	for j, i := range missed {
		values[i] = missValues[j]
		tk.tokens[i] = missTk.tokens[j]
	}
	return values, tk, nil
}

// parseLookup reads lookupScript's answer for n keys.
func parseLookup(raw any, n int) ([][]byte, ticket, error) {
	var tk ticket
	arr, ok := raw.([]any)
	if !ok || len(arr) != n+2 {
		return nil, tk, badReply("lookup", raw)
	}
	sec, errS := strconv.ParseInt(asString(arr[0]), 10, 64)
	usec, errU := strconv.ParseInt(asString(arr[1]), 10, 64)
	if errS != nil || errU != nil {
		return nil, tk, badReply("lookup time", arr[:2])
	}
	tk.startUs = sec*1_000_000 + usec
	tk.tokens = make([]string, n)
	values := make([][]byte, n)
	for i, r := range arr[2:] {
		switch v := r.(type) {
		case string:
			values[i] = []byte(v)
		case []any:
			if len(v) != 1 {
				return nil, tk, badReply("lookup token", v)
			}
			tok, ok := v[0].(string)
			if !ok {
				return nil, tk, badReply("lookup token", v[0])
			}
			tk.tokens[i] = tok
		default:
			return nil, tk, badReply("lookup entry", r)
		}
	}
	return values, tk, nil
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

// fill stores values[i] under keys[i] with tokens[i] (see fillScript); it reports how many it
// stored.
func (c *Cache) fill(ctx context.Context, keys []string, tokens []string, values [][]byte, startUs int64) (int, error) {
	args := make([]any, 0, 3+2*len(keys))
	args = append(args, startUs, c.cfg.FillWindow.Microseconds(), c.cfg.TTL.Milliseconds())
	for i := range keys {
		args = append(args, tokens[i], values[i])
	}
	var stored int64
	err := c.call(ctx, func(ctx context.Context) error {
		var e error
		stored, e = fillScript.Run(ctx, c.rdb, withTokenKeys(keys), args...).Int64()
		return e
	})
	return max(int(stored), 0), err
}

// getPlain reads plain string keys (facts that never change, or values with a token key):
// values[i] is nil for a miss.
func (c *Cache) getPlain(ctx context.Context, keys []string) ([][]byte, error) {
	var raw []any
	err := c.call(ctx, func(ctx context.Context) error {
		var e error
		raw, e = c.rdb.MGet(ctx, keys...).Result()
		return e
	})
	if err != nil {
		return nil, err
	}
	values := make([][]byte, len(keys))
	for i, r := range raw {
		if s, ok := r.(string); ok {
			values[i] = []byte(s)
		}
	}
	return values, nil
}

// setPlain stores facts that never change, each for ttl.
func (c *Cache) setPlain(ctx context.Context, keys []string, values [][]byte, ttl time.Duration) error {
	return c.call(ctx, func(ctx context.Context) error {
		_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, k := range keys {
				p.Set(ctx, k, values[i], ttl)
			}
			return nil
		})
		return err
	})
}
