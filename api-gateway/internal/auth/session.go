package auth

import (
	"context"
	"time"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/errno"
)

// ErrRevoked is the refusal of a valid token issued before its user's last revocation.
var ErrRevoked = errno.Unauthorized.WithMsg("please log in again: this token was revoked")

// versionBudget bounds the wait for a user's version: a slow or hung user service delays a
// user's request by this much at most once per within, and the version last read stands.
const versionBudget = 300 * time.Millisecond

// VersionReader reads a user's current token version (the user service's, which `user revoke`
// raises).
type VersionReader func(ctx context.Context, userID int64) (int64, error)

// Sessions verifies tokens (Tokens) and refuses those of an older version than their user's
// current one. It asks read for a user's version at most once per within and keeps the answer
// (a revoked token is refused by every gateway at most within after the revocation): most
// requests cost no call. While read fails (the user service is down), the version last read
// stands, so that logged-in users are still served; a revocation then takes effect once it
// answers again.
type Sessions struct {
	tokens *Tokens
	read   VersionReader
	within time.Duration
	now    func() time.Time
	seen   *cache.Local[int64, seenVersion]
}

type seenVersion struct {
	version int64
	at      time.Time
}

// NewSessions checks the tokens of t against the versions read gives, read again after within.
func NewSessions(t *Tokens, read VersionReader, within time.Duration) *Sessions {
	return &Sessions{tokens: t, read: read, within: within, now: time.Now, seen: cache.NewLocal[int64, seenVersion](keptTokens)}
}

// Verify returns the user id a valid, unrevoked token names, or an error: ErrInvalidToken, or
// ErrRevoked.
func (s *Sessions) Verify(ctx context.Context, token string) (int64, error) {
	v, err := s.tokens.verify(token)
	if err != nil {
		return 0, err
	}
	if v.version < s.current(ctx, v.userID) {
		return 0, ErrRevoked
	}
	return v.userID, nil
}

// current is the user's token version as last read. The first request of a user waits for the
// read (within versionBudget); once a version is known, a request that finds it older than within
// is answered with it while it is read again in the background, so that no request waits for the
// user service after the first: a revocation is refused within `within` and one call.
func (s *Sessions) current(ctx context.Context, userID int64) int64 {
	now := s.now()
	last, ok := s.seen.Get(userID)
	if ok && now.Sub(last.at) < s.within {
		return last.version
	}
	if ok {
		s.seen.Put(userID, seenVersion{version: last.version, at: now}) // one read again at a time
		go s.readAgain(context.WithoutCancel(ctx), userID, last.version, now)
		return last.version
	}
	return s.readAgain(ctx, userID, 0, now)
}

// readAgain reads the user's version and keeps it; while the read fails, last stands.
func (s *Sessions) readAgain(ctx context.Context, userID, last int64, at time.Time) int64 {
	ctx, cancel := context.WithTimeout(ctx, versionBudget)
	defer cancel()
	version, err := s.read(ctx, userID)
	if err != nil {
		version = last
	}
	s.seen.Put(userID, seenVersion{version: version, at: at})
	return version
}
