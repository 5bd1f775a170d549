package auth

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

func newTokens(t *testing.T, secret string) *Tokens {
	t.Helper()
	tk, err := NewTokens(secret, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestIssueThenVerify(t *testing.T) {
	tk := newTokens(t, "secret-a")
	tok, err := tk.Issue(42, 0)
	if err != nil {
		t.Fatal(err)
	}
	id, err := tk.Verify(tok)
	if err != nil || id != 42 {
		t.Fatalf("Verify = %d, %v; want 42, nil", id, err)
	}
}

func TestVerifyRefuses(t *testing.T) {
	tk := newTokens(t, "secret-a")
	good, _ := tk.Issue(7, 0)

	other, _ := newTokens(t, "secret-b").Issue(7, 0)

	expiredIssuer := newTokens(t, "secret-a")
	expiredIssuer.now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	expired, _ := expiredIssuer.Issue(7, 0)

	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.RegisteredClaims{
		Issuer: issuer, Subject: "7", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour)),
	}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}

	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.RegisteredClaims{
		Issuer: issuer, Subject: "7", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour)),
	}).SignedString([]byte("secret-a"))

	noExp, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Issuer: issuer, Subject: "7",
	}).SignedString([]byte("secret-a"))

	badSubject, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Issuer: issuer, Subject: "alice", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour)),
	}).SignedString([]byte("secret-a"))

	// Change the payload but keep the signature: the signature no longer matches.
	parts := strings.Split(good, ".")
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"simple-tiktok","sub":"1","exp":9999999999}`))
	tampered := strings.Join(parts, ".")

	cases := map[string]string{
		"empty":         "",
		"garbage":       "not-a-jwt",
		"other key":     other,
		"expired":       expired,
		"alg none":      none,
		"alg HS512":     hs512,
		"no expiry":     noExp,
		"bad subject":   badSubject,
		"tampered body": tampered,
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			if id, err := tk.Verify(tok); err == nil {
				t.Fatalf("Verify accepted %s token (user %d)", name, id)
			}
		})
	}
}

// The gateway verifies a token on every authenticated request, without an RPC.
func BenchmarkVerify(b *testing.B) {
	tk, err := NewTokens("bench-secret", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	tok, _ := tk.Issue(42, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tk.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAVerifiedTokenIsKeptUntilItExpires(t *testing.T) {
	tokens, err := NewTokens("a-secret-for-tests", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	tokens.now = func() time.Time { return start }
	token, err := tokens.Issue(42, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second answer comes from the kept verification
		if id, err := tokens.Verify(token); err != nil || id != 42 {
			t.Fatalf("Verify = %d, %v; want 42", id, err)
		}
	}
	if _, ok := tokens.verified.Get(token); !ok {
		t.Fatal("a verified token was not kept")
	}
	tokens.now = func() time.Time { return start.Add(time.Hour + time.Second) }
	if _, err := tokens.Verify(token); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("Verify after expiry = %v; want ErrInvalidToken though the token was kept", err)
	}
	if _, err := tokens.Verify(token[:len(token)-2] + "xx"); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("Verify of a tampered token = %v; want ErrInvalidToken", err)
	}
}
