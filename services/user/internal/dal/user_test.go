//go:build integration

package dal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"simpletiktok/pkg/cache/cachetest"
	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/pkg/errno"
	"simpletiktok/services/user/internal/biz"
	"simpletiktok/services/user/migrations"
)

// newRepo is the repository over a schema of the test's own, with a cache on a Redis of the
// test's own, the way the service runs.
func newRepo(t *testing.T) *Users {
	t.Helper()
	gdb := dbtest.OpenMigrated(t, migrations.FS())
	return NewUsers(gdb, cachetest.Open(t, "user").Cache)
}

func TestCreateAndRead(t *testing.T) {
	repo := newRepo(t)
	ctx := context.Background()
	a := &biz.Account{Username: "Alice", PasswordHash: "$2a$hash", CreatedAt: time.Now()}
	if err := repo.Create(ctx, a); err != nil || a.ID <= 0 {
		t.Fatalf("Create = %v, id %d", err, a.ID)
	}
	got, err := repo.GetByUsername(ctx, "Alice")
	if err != nil || got.ID != a.ID || got.PasswordHash != "$2a$hash" {
		t.Fatalf("GetByUsername = %+v, %v", got, err)
	}
	// Names compare exactly: another case is another user.
	if _, err := repo.GetByUsername(ctx, "alice"); !errors.Is(err, errno.UserNotFound) {
		t.Fatalf("GetByUsername(alice) = %v; want UserNotFound", err)
	}
	for range 2 { // from MySQL, then from the cache
		users, err := repo.MGet(ctx, []int64{a.ID, a.ID + 100})
		if err != nil || len(users) != 1 || users[0].Username != "Alice" || users[0].PasswordHash != "" {
			t.Fatalf("MGet = %+v, %v; want Alice's profile without the hash", users, err)
		}
	}
	// An id not found is not cached: once registered it is found.
	b := &biz.Account{Username: "Bob", PasswordHash: "h", CreatedAt: time.Now()}
	if err := repo.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	if users, err := repo.MGet(ctx, []int64{b.ID}); err != nil || len(users) != 1 || users[0].Username != "Bob" {
		t.Fatalf("MGet of a user registered after a miss = %+v, %v", users, err)
	}
}

// The cache never holds a password hash, in Redis or anywhere.
func TestCacheHoldsNoHash(t *testing.T) {
	gdb := dbtest.OpenMigrated(t, migrations.FS())
	c := cachetest.Open(t, "user")
	repo := NewUsers(gdb, c.Cache)
	ctx := context.Background()
	a := &biz.Account{Username: "Carol", PasswordHash: "$2a$10$secret-hash", CreatedAt: time.Now()}
	if err := repo.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.MGet(ctx, []int64{a.ID}); err != nil {
		t.Fatal(err)
	}
	keys := c.Server.Keys("user:*")
	if len(keys) != 1 {
		t.Fatalf("keys = %v; want the one profile", keys)
	}
	client := c.Server.Client()
	defer client.Close()
	raw, err := client.Get(ctx, keys[0]).Result()
	if err != nil || !strings.Contains(raw, "Carol") || strings.Contains(raw, "secret-hash") {
		t.Fatalf("cached profile = %q, %v; want Carol without the hash", raw, err)
	}
}

// Concurrent registrations of one name: exactly one wins, through the unique key.
func TestConcurrentDuplicateRegistration(t *testing.T) {
	repo := newRepo(t)
	const n = 20
	var ok, dup atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := repo.Create(context.Background(), &biz.Account{Username: "same", PasswordHash: "h", CreatedAt: time.Now()})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, errno.UserAlreadyExists):
				dup.Add(1)
			default:
				t.Errorf("Create: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || dup.Load() != n-1 {
		t.Fatalf("created %d, duplicates %d; want 1 and %d", ok.Load(), dup.Load(), n-1)
	}
}

func TestUnicodeNames(t *testing.T) {
	repo := newRepo(t)
	ctx := context.Background()
	for i, name := range []string{"抖音用户", "José", "Jose", "😀emoji"} {
		if err := repo.Create(ctx, &biz.Account{Username: name, PasswordHash: fmt.Sprint(i), CreatedAt: time.Now()}); err != nil {
			t.Fatalf("Create(%q): %v", name, err)
		}
		got, err := repo.GetByUsername(ctx, name)
		if err != nil || got.Username != name {
			t.Fatalf("GetByUsername(%q) = %+v, %v", name, got, err)
		}
	}
}

// A revocation raises the version in MySQL and drops the cached one: the next read, here or in
// another process on the same Redis, sees it.
func TestRevokeTokensInvalidatesTheCachedVersion(t *testing.T) {
	gdb := dbtest.OpenMigrated(t, migrations.FS())
	c := cachetest.Open(t, "user")
	repo, other := NewUsers(gdb, c.Cache), NewUsers(gdb, c.Cache)
	ctx := context.Background()
	a := &biz.Account{Username: "Dave", PasswordHash: "h", CreatedAt: time.Now()}
	if err := repo.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	for range 2 { // from MySQL, then from the cache
		if got, err := other.TokenVersions(ctx, []int64{a.ID}); err != nil || got[a.ID] != 0 {
			t.Fatalf("TokenVersions = %v, %v; want 0", got, err)
		}
	}
	if err := repo.RevokeTokens(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := other.TokenVersions(ctx, []int64{a.ID}); err != nil || got[a.ID] != 1 {
		t.Fatalf("TokenVersions after a revocation = %v, %v; want 1", got, err)
	}
	if got, err := repo.GetByUsername(ctx, "Dave"); err != nil || got.TokenVersion != 1 {
		t.Fatalf("GetByUsername = %+v, %v; want token version 1", got, err)
	}
	if err := repo.RevokeTokens(ctx, a.ID+100); !errors.Is(err, errno.UserNotFound) {
		t.Fatalf("RevokeTokens of no account = %v; want UserNotFound", err)
	}
}
