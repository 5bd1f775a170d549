//go:build integration

package dal

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/pkg/errno"
	"simpletiktok/services/user/internal/biz"
	"simpletiktok/services/user/migrations"
)

func newRepo(t *testing.T) *Users {
	t.Helper()
	gdb := dbtest.OpenMigrated(t, migrations.FS())
	return NewUsers(gdb)
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
	users, err := repo.MGet(ctx, []int64{a.ID, a.ID + 100})
	if err != nil || len(users) != 1 || users[0].Username != "Alice" {
		t.Fatalf("MGet = %+v, %v", users, err)
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
