package cache

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A value a write can change lives in a plain string key that holds either the value or the
// token of the fill in progress, marked "t". A value is marked "w" and stamped with the Redis time
// it was stored at, in milliseconds (13 digits), then "-", or "+" and the token of its renewal in
// progress and ";", then the value itself: "w1780000000000-<value>". A write deletes the key, so
// a token never comes back. A lookup reads its keys with one MGET, the cheapest read Redis has;
// only the keys that missed go through lookupScript, which hands out tokens.
const (
	markValue = 'w'
	stampLen  = 14 // the mark and the time: the renewal's flag follows
)

// lookupScript reads KEYS and returns {seconds, microseconds, r1, r2, ...}: the Redis time (as
// TIME gives it: Lua would print a microsecond count in floating point), then ri, the marked value
// of KEYS[i] (a hit: filled since the MGET that missed it) or a one-element array holding its
// token (a miss). A key without a value or token gets the token ARGV[1]..i, which expires after
// ARGV[2] ms. A key holding anything else (a value of an earlier version of this cache, marked
// "v" or kept in a hash) is a miss, and is replaced.
var lookupScript = redis.NewScript(`
local t = redis.call('TIME')
local out = {t[1], t[2]}
for i, k in ipairs(KEYS) do
  local kind = redis.call('TYPE', k)['ok']
  local v = false
  if kind == 'string' then
    v = redis.call('GET', k)
  end
  if v and string.sub(v, 1, 1) == 'w' then
    out[i + 2] = v
  elseif v and string.sub(v, 1, 1) == 't' then
    out[i + 2] = {string.sub(v, 2)}
  else
    local tok = ARGV[1] .. i
    redis.call('SET', k, 't' .. tok, 'PX', ARGV[2])
    out[i + 2] = {tok}
  end
end
return out
`)

// renewScript starts the renewal of values that readers found old: KEYS are their keys, ARGV =
// {token base, least age in ms}. A key whose value was stored at least that long ago (by Redis's
// clock) and is not being renewed already gets the token ARGV[1]..i next to its value, which
// stays as it is, with its expiry. It returns {seconds, microseconds, tok1, tok2, ...}: the Redis
// time, then the token of each key, "" for a key not renewed (gone, a token, renewed already, or
// not old enough).
var renewScript = redis.NewScript(`
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local out = {t[1], t[2]}
for i, k in ipairs(KEYS) do
  out[i + 2] = ''
  local v = redis.call('GET', k)
  if v and string.sub(v, 1, 1) == 'w' and string.sub(v, 15, 15) == '-' and
      now - tonumber(string.sub(v, 2, 14)) >= tonumber(ARGV[2]) then
    local tok = ARGV[1] .. i
    redis.call('SET', k, string.sub(v, 1, 14) .. '+' .. tok .. ';' .. string.sub(v, 16), 'KEEPTTL')
    out[i + 2] = tok
  end
end
return out
`)

// fillScript stores values read from MySQL: ARGV = {start_us, window_us, ttl_ms, token1, value1,
// token2, value2, ...}. Nothing is stored when more than window_us passed since start_us (the
// Redis time of the lookup or renewal that handed out the tokens), and a value only where its
// key still holds the token: alone (a miss) or next to the value it renews. Each value is stored
// marked and stamped. It returns how many values it stored.
var fillScript = redis.NewScript(`
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
if now - tonumber(ARGV[1]) > tonumber(ARGV[2]) then return -1 end
local head = 'w' .. string.format('%013d', math.floor(now / 1000)) .. '-'
local n = 0
for i, k in ipairs(KEYS) do
  local v = redis.call('GET', k)
  local tok = ARGV[2 + 2 * i]
  if v and (v == 't' .. tok or
      (string.sub(v, 1, 1) == 'w' and string.sub(v, 15, 16 + #tok) == '+' .. tok .. ';')) then
    redis.call('SET', k, head .. ARGV[3 + 2 * i], 'PX', ARGV[3])
    n = n + 1
  end
end
return n
`)

// unmarked returns the value a key holds, or nil when it holds none (a token, or an unknown mark).
func unmarked(raw []byte) []byte {
	if len(raw) <= stampLen || raw[0] != markValue {
		return nil
	}
	switch rest := raw[stampLen+1:]; raw[stampLen] {
	case '-':
		return rest
	case '+':
		if i := bytes.IndexByte(rest, ';'); i >= 0 {
			return rest[i+1:]
		}
	}
	return nil
}

// renewable reports whether raw, as a key holds it, is a value not being renewed whose stamp is
// latest or earlier. Stamps are 13 digits, so comparing them as bytes compares the times, with no
// parsing on the path of every hit.
func renewable(raw, latest []byte) bool {
	if len(raw) <= stampLen || raw[0] != markValue || raw[stampLen] != '-' {
		return false
	}
	stamp := raw[1:stampLen]
	for _, d := range stamp {
		if d < '0' || d > '9' {
			return false
		}
	}
	return bytes.Compare(stamp, latest) <= 0
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
	raw, err := c.getPlain(ctx, keys)
	if err != nil {
		return nil, tk, err
	}
	return c.lookupAfter(ctx, keys, raw)
}

// lookupAfter is lookup once the MGET of keys has read raw (raw is reused for the values).
func (c *Cache) lookupAfter(ctx context.Context, keys []string, raw [][]byte) (values [][]byte, tk ticket, err error) {
	values = raw
	var missed []int
	for i, v := range values {
		if values[i] = unmarked(v); values[i] == nil {
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
	var reply any
	err = c.call(ctx, func(ctx context.Context) error {
		var e error
		reply, e = lookupScript.Run(ctx, c.rdb, missKeys, newTokenBase(), tokenTTL.Milliseconds()).Result()
		return e
	})
	if err != nil {
		return nil, tk, err
	}
	missValues, missTk, err := parseLookup(reply, len(missKeys))
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
	startUs, err := parseTime(arr)
	if err != nil {
		return nil, tk, err
	}
	tk.startUs = startUs
	tk.tokens = make([]string, n)
	values := make([][]byte, n)
	for i, r := range arr[2:] {
		switch v := r.(type) {
		case string:
			if values[i] = unmarked([]byte(v)); values[i] == nil {
				return nil, tk, badReply("lookup value", v)
			}
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

// parseTime reads the Redis time that starts a script's answer (arr holds at least two entries),
// in microseconds.
func parseTime(arr []any) (int64, error) {
	sec, errS := strconv.ParseInt(asString(arr[0]), 10, 64)
	usec, errU := strconv.ParseInt(asString(arr[1]), 10, 64)
	if errS != nil || errU != nil {
		return 0, badReply("time", arr[:2])
	}
	return sec*1_000_000 + usec, nil
}

// startRenewal hands out the tokens of a renewal of keys (see renewScript): the ticket's token is
// "" for each key not to be renewed.
func (c *Cache) startRenewal(ctx context.Context, keys []string, minAge time.Duration) (ticket, error) {
	var reply any
	err := c.callWithin(ctx, c.cfg.Timeout, func(ctx context.Context) error {
		var e error
		reply, e = renewScript.Run(ctx, c.rdb, keys, newTokenBase(), minAge.Milliseconds()).Result()
		return e
	})
	if err != nil {
		return ticket{}, err
	}
	arr, ok := reply.([]any)
	if !ok || len(arr) != len(keys)+2 {
		return ticket{}, badReply("renew", reply)
	}
	startUs, err := parseTime(arr)
	if err != nil {
		return ticket{}, err
	}
	tk := ticket{startUs: startUs, tokens: make([]string, len(keys))}
	for i, r := range arr[2:] {
		tok, ok := r.(string)
		if !ok {
			return ticket{}, badReply("renew token", r)
		}
		tk.tokens[i] = tok
	}
	return tk, nil
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
		stored, e = fillScript.Run(ctx, c.rdb, keys, args...).Int64()
		return e
	})
	return max(int(stored), 0), err
}

// getPlain reads string keys (facts that never change, or the marked values and tokens of
// lookup): values[i] is nil for a key that does not hold a string.
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
