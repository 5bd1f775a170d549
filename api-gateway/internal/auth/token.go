// Package auth issues and verifies the gateway's JWTs (HS256). The gateway checks tokens itself:
// no RPC is made to learn who is calling.
package auth

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v4"

	"simpletiktok/pkg/cache"
)

const issuer = "simple-tiktok"

// ErrInvalidToken covers every token that must be refused: malformed, expired, not yet valid,
// signed with another key or another algorithm (including "none").
var ErrInvalidToken = errors.New("invalid token")

// Tokens issues and verifies tokens with one secret.
type Tokens struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time
	// verified keeps the tokens found valid, with their subject and expiry: a token is signed
	// once and never changes, so checking its signature again proves nothing new (it cost about 6 %
	// of a logged-in page's CPU in the gateway). Only the expiry is checked again.
	verified *cache.Local[string, verifiedToken]
}

// verifiedToken is what a valid token says.
type verifiedToken struct {
	userID  int64
	version int64 // the user's token version when it was issued (Sessions)
	expires time.Time
}

// claims are a token's: the registered ones, and the user's token version ("ver"; absent in
// tokens issued before versions existed, which read as version 0).
type claims struct {
	jwt.RegisteredClaims
	Version int64 `json:"ver,omitempty"`
}

// keptTokens bounds the valid tokens kept (about 250 bytes each).
const keptTokens = 100_000

// NewTokens returns a signer/verifier; secret must be non-empty and ttl positive.
func NewTokens(secret string, ttl time.Duration) (*Tokens, error) {
	if secret == "" || ttl <= 0 {
		return nil, errors.New("auth: a secret and a positive ttl are required")
	}
	return &Tokens{secret: []byte(secret), ttl: ttl, now: time.Now, verified: cache.NewLocal[string, verifiedToken](keptTokens)}, nil
}

// Issue returns a signed token naming userID as its subject, of the user's token version.
func (t *Tokens) Issue(userID, version int64) (string, error) {
	now := t.now()
	c := claims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   strconv.FormatInt(userID, 10),
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)), // tolerate small clock skew
		ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
	}, Version: version}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.secret)
	if err != nil {
		return "", fmt.Errorf("auth: sign token: %w", err)
	}
	return signed, nil
}

// Verify returns the user id a valid token names, or ErrInvalidToken. It does not know of
// revocations: Sessions does.
func (t *Tokens) Verify(token string) (int64, error) {
	v, err := t.verify(token)
	return v.userID, err
}

func (t *Tokens) verify(token string) (verifiedToken, error) {
	if v, ok := t.verified.Get(token); ok {
		if !v.expires.After(t.now()) {
			return verifiedToken{}, ErrInvalidToken
		}
		return v, nil
	}
	v, err := t.check(token)
	if err != nil {
		return verifiedToken{}, err
	}
	t.verified.Put(token, v)
	return v, nil
}

// check verifies token in full: signature, algorithm, issuer, times, subject.
func (t *Tokens) check(token string) (verifiedToken, error) {
	var c claims
	parser := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}))
	parsed, err := parser.ParseWithClaims(token, &c, func(tok *jwt.Token) (any, error) {
		if _, ok := tok.Method.(*jwt.SigningMethodHMAC); !ok {
			return nil, ErrInvalidToken
		}
		return t.secret, nil
	})
	if err != nil || !parsed.Valid {
		return verifiedToken{}, ErrInvalidToken
	}
	// jwt/v4 treats a missing exp as "never expires"; our tokens always carry one.
	if c.ExpiresAt == nil || !c.ExpiresAt.After(t.now()) || c.Issuer != issuer {
		return verifiedToken{}, ErrInvalidToken
	}
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || id <= 0 {
		return verifiedToken{}, ErrInvalidToken
	}
	return verifiedToken{userID: id, version: c.Version, expires: c.ExpiresAt.Time}, nil
}
