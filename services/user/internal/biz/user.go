// Package biz holds the user service's rules: who may register with what, how passwords are kept,
// and how login answers without telling which half of the credentials was wrong.
package biz

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/validate"
)

// Limits of the contract: username and password are each 1..32 characters.
const (
	MaxUsernameLen = 32
	MaxPasswordLen = 32
)

// Account is a user as the service stores it.
type Account struct {
	ID            int64
	Username      string
	PasswordHash  string
	AvatarKey     string
	BackgroundKey string
	Signature     string
	CreatedAt     time.Time
	// TokenVersion is written into each token issued to the account; a token of an older version
	// is refused by the gateway. Revoke raises it.
	TokenVersion int64
}

// Repo is the storage the rules need. Create must report a taken username as
// errno.UserAlreadyExists (from a unique key, not a prior check); GetByUsername reports a missing
// one as errno.UserNotFound.
type Repo interface {
	Create(ctx context.Context, a *Account) error
	GetByUsername(ctx context.Context, username string) (*Account, error)
	// MGet returns the profiles among ids that exist, in any order, without their password
	// hashes (it may answer from a cache, which never holds them).
	MGet(ctx context.Context, ids []int64) ([]*Account, error)
	// TokenVersions returns the token version of each of ids (0 for one that does not exist).
	TokenVersions(ctx context.Context, ids []int64) (map[int64]int64, error)
	// RevokeTokens raises the token version of an account, or reports errno.UserNotFound.
	RevokeTokens(ctx context.Context, id int64) error
}

// Users implements the account rules.
type Users struct {
	repo      Repo
	cost      int
	dummyHash []byte
	now       func() time.Time
}

// NewUsers returns the rules over repo, hashing with the given bcrypt cost (bcrypt.DefaultCost in
// production; tests may pass bcrypt.MinCost) and reading the time from now (time.Now in
// production).
func NewUsers(repo Repo, bcryptCost int, now func() time.Time) (*Users, error) {
	dummy, err := bcrypt.GenerateFromPassword(prehash("not a real password"), bcryptCost)
	if err != nil {
		return nil, err
	}
	return &Users{repo: repo, cost: bcryptCost, dummyHash: dummy, now: now}, nil
}

// Register creates an account and returns its id.
func (u *Users) Register(ctx context.Context, username, password string) (int64, error) {
	if err := ValidateUsername(username); err != nil {
		return 0, err
	}
	if err := ValidatePassword(password); err != nil {
		return 0, err
	}
	hash, err := bcrypt.GenerateFromPassword(prehash(password), u.cost)
	if err != nil {
		return 0, err
	}
	a := &Account{Username: username, PasswordHash: string(hash), CreatedAt: u.now().UTC().Truncate(time.Millisecond)}
	if err := u.repo.Create(ctx, a); err != nil {
		return 0, err
	}
	return a.ID, nil
}

// Login returns the account whose credentials these are (its id and token version). An unknown
// username and a wrong password give the same error and cost the same bcrypt work. A login does
// not revoke the tokens issued before it: a phone stays logged in when its owner logs in on
// another device.
func (u *Users) Login(ctx context.Context, username, password string) (*Account, error) {
	// Only the length: an account named before a character was refused still logs in.
	if usernameLength(username) != nil || ValidatePassword(password) != nil {
		return nil, errno.UserLoginFailed
	}
	a, err := u.repo.GetByUsername(ctx, username)
	if errors.Is(err, errno.UserNotFound) {
		_ = bcrypt.CompareHashAndPassword(u.dummyHash, prehash(password))
		return nil, errno.UserLoginFailed
	}
	if err != nil {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(a.PasswordHash), prehash(password)) != nil {
		return nil, errno.UserLoginFailed
	}
	return a, nil
}

// MGet returns the accounts among ids that exist, in the order of ids, each once.
func (u *Users) MGet(ctx context.Context, ids []int64) ([]*Account, error) {
	ids, err := idbatch.Check(ids, "user")
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	found, err := u.repo.MGet(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*Account, len(found))
	for _, a := range found {
		byID[a.ID] = a
	}
	out := make([]*Account, 0, len(found))
	for _, id := range ids {
		if a, ok := byID[id]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// TokenVersions returns the current token version of each of ids that exists (0 for one never
// revoked), for the gateway's check of the tokens it is shown.
func (u *Users) TokenVersions(ctx context.Context, ids []int64) (map[int64]int64, error) {
	ids, err := idbatch.Check(ids, "user")
	if err != nil || len(ids) == 0 {
		return map[int64]int64{}, err
	}
	return u.repo.TokenVersions(ctx, ids)
}

// Revoke makes every token issued to the account so far invalid (an operator's `user revoke`):
// the gateway refuses them from then on (within its jwt.revoked_within), and a new login gets a
// token that works.
func (u *Users) Revoke(ctx context.Context, id int64) error {
	if err := validate.ID("user_id", id); err != nil {
		return err
	}
	return u.repo.RevokeTokens(ctx, id)
}

// ValidateUsername enforces 1..32 characters of valid UTF-8, none of them a space, a control
// character or an invisible format character (Unicode category Cf: zero-width spaces and joiners,
// U+2060, U+FEFF, the bidirectional marks, embeddings, overrides and isolates, soft hyphens...).
// A name is shown to others and must read as what it is: with those, two accounts could look the
// same, or one could display reversed. A refusal says which character it was.
func ValidateUsername(s string) error {
	if err := usernameLength(s); err != nil {
		return err
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			return errno.UserInvalidName.WithMsg("username holds the space character %U", r)
		case unicode.IsControl(r):
			return errno.UserInvalidName.WithMsg("username holds the control character %U", r)
		case unicode.Is(unicode.Cf, r):
			return errno.UserInvalidName.WithMsg("username holds the invisible format character %U", r)
		}
	}
	return nil
}

// usernameLength enforces 1..32 characters of valid UTF-8.
func usernameLength(s string) error {
	if !utf8.ValidString(s) {
		return errno.UserInvalidName.WithMsg("username is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n == 0 || n > MaxUsernameLen {
		return errno.UserInvalidName.WithMsg("username must be 1 to %d characters", MaxUsernameLen)
	}
	return nil
}

// ValidatePassword enforces 1..32 characters.
func ValidatePassword(s string) error {
	n := utf8.RuneCountInString(s)
	if n == 0 || n > MaxPasswordLen || !utf8.ValidString(s) {
		return errno.UserInvalidPassword
	}
	return nil
}

// prehash makes any password fit bcrypt's 72-byte input: 32 characters of UTF-8 can be 128 bytes,
// and bcrypt would otherwise refuse or truncate them. Base64 keeps NUL bytes out of bcrypt's input.
func prehash(password string) []byte {
	sum := sha256.Sum256([]byte(password))
	return []byte(base64.StdEncoding.EncodeToString(sum[:]))
}
