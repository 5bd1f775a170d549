package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"simpletiktok/pkg/errno"
)

// users is a fake user service's token versions; fail makes it unreachable. Sessions may read in
// the background: every field is behind mu.
type users struct {
	mu       sync.Mutex
	versions map[int64]int64
	fail     bool
	reads    int
}

func (u *users) read(_ context.Context, id int64) (int64, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.reads++
	if u.fail {
		return 0, errno.ServiceUnavailable
	}
	return u.versions[id], nil
}

func (u *users) set(f func(*users)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	f(u)
}

// readsMade waits until the fake has been read n times in all (a read in the background), and
// fails the test after about five seconds.
func (u *users) readsMade(t *testing.T, n int) {
	t.Helper()
	for range 5000 {
		u.mu.Lock()
		done := u.reads >= n
		u.mu.Unlock()
		if done {
			time.Sleep(5 * time.Millisecond) // the read's answer is kept just after it returns
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("the user service was not read %d times", n)
}

func TestSessionsRefuseTokensOfARevokedVersion(t *testing.T) {
	tokens := newTokens(t, "secret-a")
	u := &users{versions: map[int64]int64{}}
	s := NewSessions(tokens, u.read, time.Second)
	clock := time.Now()
	s.now = func() time.Time { return clock }
	ctx := context.Background()
	before, _ := tokens.Issue(7, 0)
	if id, err := s.Verify(ctx, before); err != nil || id != 7 {
		t.Fatalf("Verify = %d, %v; want 7", id, err)
	}

	u.set(func(u *users) { u.versions[7] = 1 }) // revoked: the version is read again once within has passed
	if _, err := s.Verify(ctx, before); err != nil || u.reads != 1 {
		t.Fatalf("within the second: Verify = %v after %d reads; want the version kept", err, u.reads)
	}
	// Past within, a request is answered with the version known while it is read again, without
	// waiting; the requests after that read see the revocation.
	clock = clock.Add(time.Second)
	if _, err := s.Verify(ctx, before); err != nil {
		t.Fatalf("the request that finds the version due: %v; want it served while the version is read again", err)
	}
	u.readsMade(t, 2)
	if _, err := s.Verify(ctx, before); !errors.Is(err, ErrRevoked) || !errors.Is(err, errno.Unauthorized) {
		t.Fatalf("a token issued before the revocation: %v; want ErrRevoked (10002)", err)
	}
	after, _ := tokens.Issue(7, 1)
	if id, err := s.Verify(ctx, after); err != nil || id != 7 {
		t.Fatalf("a token issued after the revocation: %d, %v", id, err)
	}
	if _, err := s.Verify(ctx, "garbage"); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("garbage: %v; want ErrInvalidToken", err)
	}

	// The user service down: the version last read stands, for old and new tokens alike.
	u.set(func(u *users) { u.fail = true })
	clock = clock.Add(time.Second)
	if _, err := s.Verify(ctx, before); !errors.Is(err, ErrRevoked) {
		t.Fatalf("with the user service down, a revoked token: %v; want ErrRevoked", err)
	}
	u.readsMade(t, 3)
	if _, err := s.Verify(ctx, before); !errors.Is(err, ErrRevoked) {
		t.Fatalf("with the user service down, after a failed read, a revoked token: %v; want ErrRevoked", err)
	}
	if _, err := s.Verify(ctx, after); err != nil {
		t.Fatalf("with the user service down, a valid token: %v", err)
	}
	other, _ := tokens.Issue(8, 0)
	if _, err := s.Verify(ctx, other); err != nil {
		t.Fatalf("with the user service down, a user never read: %v; want served", err)
	}
}
