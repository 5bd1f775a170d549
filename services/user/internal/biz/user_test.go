package biz

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
)

// memRepo is an in-memory Repo for the rules' unit tests.
type memRepo struct {
	mu     sync.Mutex
	byName map[string]*Account
	nextID int64
}

func newMemRepo() *memRepo { return &memRepo{byName: map[string]*Account{}} }

func (m *memRepo) Create(_ context.Context, a *Account) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byName[a.Username]; ok {
		return errno.UserAlreadyExists
	}
	m.nextID++
	a.ID = m.nextID
	cp := *a
	m.byName[a.Username] = &cp
	return nil
}

func (m *memRepo) GetByUsername(_ context.Context, name string) (*Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.byName[name]; ok {
		return a, nil
	}
	return nil, errno.UserNotFound
}

func (m *memRepo) TokenVersions(_ context.Context, ids []int64) (map[int64]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[int64]int64{}
	for _, a := range m.byName {
		for _, id := range ids {
			if a.ID == id {
				out[id] = a.TokenVersion
			}
		}
	}
	return out, nil
}

func (m *memRepo) RevokeTokens(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.byName {
		if a.ID == id {
			a.TokenVersion++
			return nil
		}
	}
	return errno.UserNotFound
}

func (m *memRepo) MGet(_ context.Context, ids []int64) ([]*Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Account
	for _, a := range m.byName {
		for _, id := range ids {
			if a.ID == id {
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// registeredAt is the time of the rules' clock in these tests.
var registeredAt = time.Date(2024, 3, 1, 8, 0, 0, 987_654_321, time.UTC)

func newUsers(t *testing.T) (*Users, *memRepo) {
	t.Helper()
	repo := newMemRepo()
	u, err := NewUsers(repo, bcrypt.MinCost, func() time.Time { return registeredAt })
	if err != nil {
		t.Fatal(err)
	}
	return u, repo
}

// An account is dated by the rules' clock, to the millisecond the store keeps.
func TestRegisterIsDatedByTheClock(t *testing.T) {
	u, repo := newUsers(t)
	if _, err := u.Register(context.Background(), "clocked", "pw"); err != nil {
		t.Fatal(err)
	}
	if got := repo.byName["clocked"].CreatedAt; !got.Equal(registeredAt.Truncate(time.Millisecond)) {
		t.Fatalf("account dated %v; want %v", got, registeredAt.Truncate(time.Millisecond))
	}
}

func TestRegisterValidates(t *testing.T) {
	u, _ := newUsers(t)
	cases := []struct {
		name, username, password string
		want                     error
	}{
		{"empty username", "", "pw", errno.UserInvalidName},
		{"33 char username", strings.Repeat("a", 33), "pw", errno.UserInvalidName},
		{"space in username", "a b", "pw", errno.UserInvalidName},
		{"control char", "a\x00b", "pw", errno.UserInvalidName},
		{"invalid utf8", "a\xffb", "pw", errno.UserInvalidName},
		{"empty password", "alice", "", errno.UserInvalidPassword},
		{"33 char password", "alice", strings.Repeat("p", 33), errno.UserInvalidPassword},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := u.Register(context.Background(), c.username, c.password); !errors.Is(err, c.want) {
				t.Fatalf("Register(%q, %q) = %v; want %v", c.username, c.password, err, c.want)
			}
		})
	}
}

// A username is shown to others and must read as what it is: no invisible character that would
// let two accounts look the same or make a name display reversed. Each refusal is 11004 and names
// the character.
func TestRegisterRefusesInvisibleCharacters(t *testing.T) {
	u, repo := newUsers(t)
	cases := map[string]rune{
		"zero width space": '\u200B', "zero width non-joiner": '\u200C', "zero width joiner": '\u200D',
		"word joiner": '\u2060', "byte order mark": '\uFEFF',
		"left-to-right embedding": '\u202A', "right-to-left embedding": '\u202B',
		"pop directional formatting": '\u202C', "left-to-right override": '\u202D',
		"right-to-left override": '\u202E', "left-to-right isolate": '\u2066',
		"right-to-left isolate": '\u2067', "first strong isolate": '\u2068',
		"pop directional isolate": '\u2069', "left-to-right mark": '\u200E',
		"right-to-left mark": '\u200F', "arabic letter mark": '\u061C',
		"soft hyphen (format)": '\u00AD', "C1 control": '\u0085', "delete": '\u007F',
		"no-break space": '\u00A0', "ideographic space": '\u3000',
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			username := "ad" + string(r) + "min"
			_, err := u.Register(context.Background(), username, "pw")
			e, ok := errno.From(err)
			if !errors.Is(err, errno.UserInvalidName) || !ok || !strings.Contains(e.Msg, fmt.Sprintf("%U", r)) {
				t.Fatalf("Register(%q) = %v; want 11004 naming %U", username, err, r)
			}
		})
	}
	if len(repo.byName) != 0 {
		t.Fatalf("refused names were stored: %v", repo.byName)
	}
	// Visible text of any script stays valid, and so does a one-character password.
	for _, name := range []string{"عمر", "שלום", "Ζωή", "名前", "😀x", "o'neil-2.0"} {
		if _, err := u.Register(context.Background(), name, "p"); err != nil {
			t.Fatalf("Register(%q) = %v", name, err)
		}
	}
}

// An account named before a character was refused (stored as it was then) still logs in.
func TestLoginAcceptsNamesRegisteredUnderAnOlderRule(t *testing.T) {
	u, repo := newUsers(t)
	hash, err := bcrypt.GenerateFromPassword(prehash("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	old := &Account{Username: "zo\u200De", PasswordHash: string(hash)}
	if err := repo.Create(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	if a, err := u.Login(context.Background(), "zo\u200De", "pw"); err != nil || a.ID != old.ID {
		t.Fatalf("Login = %v, %v; want account %d", a, err, old.ID)
	}
}

func TestRegisterAcceptsLimits(t *testing.T) {
	u, repo := newUsers(t)
	// 32 four-byte characters: 128 bytes, more than bcrypt takes without the pre-hash.
	long := strings.Repeat("😀", 32)
	id, err := u.Register(context.Background(), strings.Repeat("名", 32), long)
	if err != nil || id <= 0 {
		t.Fatalf("Register at the limits = %d, %v", id, err)
	}
	stored, _ := repo.GetByUsername(context.Background(), strings.Repeat("名", 32))
	if strings.Contains(stored.PasswordHash, long) || !strings.HasPrefix(stored.PasswordHash, "$2") {
		t.Fatalf("password is not stored as a bcrypt hash: %q", stored.PasswordHash)
	}
	if got, err := u.Login(context.Background(), strings.Repeat("名", 32), long); err != nil || got.ID != id {
		t.Fatalf("Login = %v, %v; want account %d", got, err, id)
	}
	// A password that shares the first 72 bytes must not log in (no silent truncation).
	if _, err := u.Login(context.Background(), strings.Repeat("名", 32), strings.Repeat("😀", 31)+"x"); err == nil {
		t.Fatal("a different password logged in")
	}
}

func TestLoginGivesOneErrorForBothMistakes(t *testing.T) {
	u, _ := newUsers(t)
	if _, err := u.Register(context.Background(), "bob", "right"); err != nil {
		t.Fatal(err)
	}
	_, wrongPassword := u.Login(context.Background(), "bob", "wrong")
	_, unknownUser := u.Login(context.Background(), "nobody", "right")
	if !errors.Is(wrongPassword, errno.UserLoginFailed) || !errors.Is(unknownUser, errno.UserLoginFailed) {
		t.Fatalf("errors = %v / %v; want both UserLoginFailed", wrongPassword, unknownUser)
	}
	if wrongPassword.Error() != unknownUser.Error() {
		t.Fatalf("messages differ: %q vs %q", wrongPassword, unknownUser)
	}
}

func TestDuplicateUsername(t *testing.T) {
	u, _ := newUsers(t)
	if _, err := u.Register(context.Background(), "carol", "pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Register(context.Background(), "carol", "other"); !errors.Is(err, errno.UserAlreadyExists) {
		t.Fatalf("second Register = %v; want UserAlreadyExists", err)
	}
}

func TestMGetOrderAndLimits(t *testing.T) {
	u, _ := newUsers(t)
	a, _ := u.Register(context.Background(), "a", "pw")
	b, _ := u.Register(context.Background(), "b", "pw")
	got, err := u.MGet(context.Background(), []int64{b, 999, a, b, 0, -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != b || got[1].ID != a {
		t.Fatalf("MGet order = %+v; want [%d %d]", got, b, a)
	}
	tooMany := make([]int64, idbatch.Max+1)
	for i := range tooMany {
		tooMany[i] = int64(i + 1)
	}
	if _, err := u.MGet(context.Background(), tooMany); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("MGet of %d ids = %v; want BadRequest", len(tooMany), err)
	}
}

// A revocation raises the account's token version, which the next login carries; a login alone
// changes nothing (a phone stays logged in when its owner logs in elsewhere).
func TestRevokeRaisesTheTokenVersion(t *testing.T) {
	u, _ := newUsers(t)
	ctx := context.Background()
	id, err := u.Register(ctx, "revoked", "pw")
	if err != nil {
		t.Fatal(err)
	}
	version := func() int64 {
		t.Helper()
		a, err := u.Login(ctx, "revoked", "pw")
		if err != nil {
			t.Fatal(err)
		}
		got, err := u.TokenVersions(ctx, []int64{id})
		if err != nil || got[id] != a.TokenVersion {
			t.Fatalf("TokenVersions = %v, %v; the login said %d", got, err, a.TokenVersion)
		}
		return a.TokenVersion
	}
	if v := version(); v != 0 || version() != 0 {
		t.Fatalf("a new account's token version after two logins = %d; want 0", v)
	}
	if err := u.Revoke(ctx, id); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != 1 {
		t.Fatalf("token version after a revocation = %d; want 1", v)
	}
	if err := u.Revoke(ctx, id+100); !errors.Is(err, errno.UserNotFound) {
		t.Fatalf("Revoke of no account = %v; want UserNotFound", err)
	}
	if err := u.Revoke(ctx, 0); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("Revoke(0) = %v; want BadRequest", err)
	}
	if got, err := u.TokenVersions(ctx, []int64{id + 100}); err != nil || got[id+100] != 0 {
		t.Fatalf("TokenVersions of no account = %v, %v; want 0", got, err)
	}
}
