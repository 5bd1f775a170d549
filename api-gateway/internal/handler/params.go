package handler

import (
	"strconv"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/validate"
)

// The one reading of every parameter kind of the contract: ids, action types and times. A
// parameter that is missing or malformed is refused here, before any service is called.

// secondsBelow: the contract reads a latest_time below 1e12 as seconds, above as milliseconds.
const secondsBelow = 1_000_000_000_000

// param reads a parameter as the contract says: the query string first, then the form body. A
// body still streaming (the upload's, or one refused for its size) is never parsed as a form.
func param(c *app.RequestContext, name string) (string, bool) {
	if v, ok := c.GetQuery(name); ok {
		return v, true
	}
	if c.Request.IsBodyStream() {
		return "", false
	}
	return c.GetPostForm(name)
}

// idParam reads a positive int64 id. When the parameter is absent it returns fallback, or an error
// if fallback is 0 (the id is required).
func idParam(c *app.RequestContext, name string, fallback int64) (int64, error) {
	v, ok := param(c, name)
	if !ok || v == "" {
		if fallback > 0 {
			return fallback, nil
		}
		return 0, errno.BadRequest.WithMsg("%s is required", name)
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, errno.BadRequest.WithMsg("%s must be a positive integer", name)
	}
	return id, nil
}

// actionParam reads action_type, which must be one of the endpoint's actions (the contract's
// numbers); anything else, or nothing, is refused with the endpoint's own code.
func actionParam[A ~int32](c *app.RequestContext, refusal *errno.Error, actions ...A) (A, error) {
	v, _ := param(c, "action_type")
	n, err := strconv.ParseInt(v, 10, 32)
	if err == nil {
		for _, a := range actions {
			if A(n) == a {
				return a, nil
			}
		}
	}
	return 0, refusal
}

// IdempotencyHeader carries a client's idempotency key for a comment post or a message send; the
// parameter request_id is read when the header is absent. Both are optional additions to the
// contract: the phone sends neither, and then nothing changes.
const IdempotencyHeader = "Idempotency-Key"

// requestKeyParam reads the write's idempotency key ("" when none was sent); a malformed one is
// refused (validate.RequestKey).
func requestKeyParam(c *app.RequestContext) (string, error) {
	key := string(c.GetHeader(IdempotencyHeader))
	if key == "" {
		key, _ = param(c, "request_id")
	}
	return key, validate.RequestKey(key)
}

// timeParam reads a non-negative epoch time; absent or empty reads as 0. unit says what the
// number is, for the refusal.
func timeParam(c *app.RequestContext, name, unit string) (int64, error) {
	v, ok := param(c, name)
	if !ok || v == "" {
		return 0, nil
	}
	t, err := strconv.ParseInt(v, 10, 64)
	if err != nil || t < 0 {
		return 0, errno.BadRequest.WithMsg("%s must be a non-negative integer (%s)", name, unit)
	}
	return t, nil
}

// latestTimeParam reads the feed's latest_time in milliseconds; 0 (or absent) means now. As the
// contract says, a value below 1e12 is in seconds.
func latestTimeParam(c *app.RequestContext) (int64, error) {
	t, err := timeParam(c, "latest_time", "epoch seconds or milliseconds")
	if t < secondsBelow {
		t *= 1000
	}
	return t, err
}
