package validate

import "simpletiktok/pkg/errno"

// MaxRequestKey is the longest idempotency key a client may send.
const MaxRequestKey = 64

// RequestKey returns nil for an empty key (none sent) or one of 1 to MaxRequestKey characters among
// A-Z a-z 0-9 - _ . : (a UUID, a ULID, a counter), and otherwise errno.BadRequest. A client sends the
// same key again when it repeats a write whose outcome it did not learn (a timeout, a lost
// connection), so that the repetition does not write twice.
func RequestKey(key string) error {
	if len(key) > MaxRequestKey {
		return errno.BadRequest.WithMsg("the idempotency key (Idempotency-Key or request_id) must be at most %d characters", MaxRequestKey)
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':') {
			return errno.BadRequest.WithMsg("the idempotency key (Idempotency-Key or request_id) may hold only letters, digits and - _ . :")
		}
	}
	return nil
}
