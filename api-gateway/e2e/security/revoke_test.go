//go:build integration

package security

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"simpletiktok/api-gateway/e2e/e2etest"
)

// revoke runs the user service's admin command `user revoke` on the stack's schema.
func revoke(t *testing.T, id int64) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := shared.stack.ServiceCommand(ctx, "user", "revoke", fmt.Sprint(id)).CombinedOutput()
	return string(out), err
}

// refusedOnceRevoked waits for the gateway to refuse token on GET /douyin/user/ (it reads a user's
// token version again after jwt.revoked_within, 2 s) and returns the refusal.
func refusedOnceRevoked(t *testing.T, token string, id int64) e2etest.Answer {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		a := shared.phone.Get(t, "/douyin/user/", vals("token", token, "user_id", fmt.Sprint(id)))
		if a.Code() != 0 {
			return e2etest.Refused(t, a)
		}
		if time.Now().After(deadline) {
			t.Fatalf("a token issued before the revocation is still accepted after 30 s: %s", a.Raw)
		}
	}
}

// A new login on another device leaves the first one logged in; `user revoke` logs both out (their
// tokens are refused with 10002 saying so, on every kind of endpoint), and a login after it works.
func TestRevokedTokensAreRefused(t *testing.T) {
	p := shared.phone
	name := e2etest.Unique("revoke")
	reg := e2etest.OK(t, p.Post(t, "/douyin/user/register/", vals("username", name, "password", "pass-word")))
	id, phone := reg.Int("user_id"), reg.Str("token")
	tablet := e2etest.OK(t, p.Post(t, "/douyin/user/login/", vals("username", name, "password", "pass-word"))).Str("token")
	for _, token := range []string{phone, tablet} {
		e2etest.OK(t, p.Get(t, "/douyin/user/", vals("token", token, "user_id", fmt.Sprint(id))))
	}

	if out, err := revoke(t, id); err != nil {
		t.Fatalf("user revoke %d: %v\n%s", id, err, out)
	}
	for _, token := range []string{phone, tablet} {
		a := refusedOnceRevoked(t, token, id)
		if a.Code() != 10002 || !strings.Contains(a.Str("status_msg"), "revoked") {
			t.Fatalf("a revoked token: %s; want 10002 saying it was revoked", a.Raw)
		}
	}
	// The other ways a token is read: a write, an upload, the feed (where it is anonymous).
	if a := e2etest.Refused(t, p.Post(t, "/douyin/relation/action/", vals("token", phone, "to_user_id", "1", "action_type", "1"))); a.Code() != 10002 {
		t.Fatalf("follow with a revoked token: %s", a.Raw)
	}
	if a := e2etest.Refused(t, p.Upload(t, nil, e2etest.TokenField(phone), e2etest.TitleField("t"), e2etest.DataFile([]byte("x")))); a.Code() != 10002 {
		t.Fatalf("publish with a revoked token: %s", a.Raw)
	}
	e2etest.OK(t, p.Get(t, "/douyin/feed/", vals("token", phone)))

	again := e2etest.OK(t, p.Post(t, "/douyin/user/login/", vals("username", name, "password", "pass-word"))).Str("token")
	e2etest.OK(t, p.Get(t, "/douyin/user/", vals("token", again, "user_id", fmt.Sprint(id))))

	if out, err := revoke(t, id+1_000_000); err == nil || !strings.Contains(out, "revoke the tokens of user") {
		t.Fatalf("user revoke of no such user: %v\n%s; want a failure naming it", err, out)
	}
}
