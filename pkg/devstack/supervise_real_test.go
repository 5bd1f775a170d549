//go:build integration

package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
)

// etcdDownEnv sets how long TestRealStackSurvives keeps etcd away (a Go duration). The default
// is longer than the 15 to 30 s after which a Kitex client forgets the instances of a service it
// has not called, so that the calls made while etcd is away meet that case for sure.
const etcdDownEnv = "DEVSTACK_TEST_ETCD_DOWN"

// TestRealStackSurvives runs the real programs from bin/ against this machine's MySQL and
// injects the faults of a supervised stack: a service and the gateway are killed with SIGKILL,
// and etcd is killed and kept away. Each time the stack must serve real requests through the
// gateway again, on its own.
func TestRealStackSurvives(t *testing.T) {
	root := requireRealBinaries(t, binaries()...)
	down := 35 * time.Second
	if v := os.Getenv(etcdDownEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("%s: %v", etcdDownEnv, err)
		}
		down = d
	}
	s, out := startReal(t, root)
	ph := &gatewayClient{t: t, base: s.GatewayURL(), http: &http.Client{Timeout: 10 * time.Second}}
	alice, aliceToken := ph.register("alice")
	bob, _ := ph.register("bob")
	// Every service answers through the gateway: the profile page asks user, relation, favorite
	// and video; the like of a missing video asks favorite, which asks video.
	all := func() map[string]int64 {
		return map[string]int64{
			"user page":     ph.code("GET", "/douyin/user/", url.Values{"user_id": {alice}, "token": {aliceToken}}),
			"follow":        ph.code("POST", "/douyin/relation/action/", url.Values{"token": {aliceToken}, "to_user_id": {bob}, "action_type": {"1"}}),
			"message send":  ph.code("POST", "/douyin/message/action/", url.Values{"token": {aliceToken}, "to_user_id": {bob}, "action_type": {"1"}, "content": {"hi"}}),
			"message chat":  ph.code("GET", "/douyin/message/chat/", url.Values{"token": {aliceToken}, "to_user_id": {bob}}),
			"comment list":  ph.code("GET", "/douyin/comment/list/", url.Values{"token": {aliceToken}, "video_id": {"1"}}),
			"favorite list": ph.code("GET", "/douyin/favorite/list/", url.Values{"token": {aliceToken}, "user_id": {alice}}),
			"feed":          ph.code("GET", "/douyin/feed/", url.Values{"token": {aliceToken}}),
		}
	}
	for what, code := range all() {
		if code != 0 {
			t.Fatalf("%s: status_code %d on a healthy stack", what, code)
		}
	}
	likeMissing := url.Values{"token": {aliceToken}, "video_id": {"999999999"}, "action_type": {"1"}}
	if code := ph.code("POST", "/douyin/favorite/action/", likeMissing); code != 12001 {
		t.Fatalf("like of a missing video: status_code %d, want 12001 (the video service's answer through favorite)", code)
	}

	t.Run("favorite killed", func(t *testing.T) {
		old := procNamed(t, s, "favorite").pid()
		if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitBack(t, s, "favorite", old, 1)
		params := url.Values{"token": {aliceToken}, "user_id": {alice}}
		eventually(t, 30*time.Second, "the favorite list answers through the gateway", func() bool {
			return ph.code("GET", "/douyin/favorite/list/", params) == 0
		})
	})

	t.Run("gateway killed", func(t *testing.T) {
		old := procNamed(t, s, "api-gateway").pid()
		if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitBack(t, s, "api-gateway", old, 1)
		params := url.Values{"user_id": {alice}, "token": {aliceToken}}
		eventually(t, 30*time.Second, "the user page answers through the restarted gateway", func() bool {
			return ph.code("GET", "/douyin/user/", params) == 0
		})
	})

	t.Run("etcd away", func(t *testing.T) {
		// Every client knows every service now; then nobody calls anything until etcd has
		// been away for a while.
		for what, code := range all() {
			if code != 0 {
				t.Fatalf("%s before the outage: status_code %d", what, code)
			}
		}
		if code := ph.code("POST", "/douyin/favorite/action/", likeMissing); code != 12001 {
			t.Fatalf("like of a missing video before the outage: status_code %d", code)
		}
		quietSince := time.Now()
		old := procNamed(t, s, "etcd").pid()
		if err := s.KillFor("etcd", down); err != nil {
			t.Fatal(err)
		}
		if down > 5*time.Second {
			time.Sleep(time.Until(quietSince.Add(down - 3*time.Second)))
			if st := statusOf(t, s, "etcd"); st.Ready {
				t.Fatalf("etcd is back before its time: %+v", st)
			}
			// First calls, no retry: a forgotten address must not fail a call.
			params := url.Values{"token": {aliceToken}, "to_user_id": {bob}}
			if code := ph.code("GET", "/douyin/message/chat/", params); code != 0 {
				t.Errorf("message chat with etcd away for %s, after %s of quiet: status_code %d", down-3*time.Second, time.Since(quietSince).Round(time.Second), code)
			}
		}
		waitBack(t, s, "etcd", old, 1)
		t.Logf("etcd back after %s of quiet", time.Since(quietSince).Round(time.Second))
		if code := ph.code("GET", "/douyin/comment/list/", url.Values{"token": {aliceToken}, "video_id": {"1"}}); code != 0 {
			t.Errorf("comment list, first call after etcd's return: status_code %d", code)
		}
		if code := ph.code("POST", "/douyin/favorite/action/", likeMissing); code != 12001 {
			t.Errorf("like of a missing video (favorite asks video), first call after etcd's return: status_code %d", code)
		}
		for what, code := range all() {
			if code != 0 {
				t.Errorf("%s after etcd's return: status_code %d", what, code)
			}
		}
		for _, name := range serviceNames() {
			registrationKept(t, s.etcd, name)
		}
	})

	var names []string
	for _, f := range s.Failures() {
		names = append(names, f.Name)
	}
	if strings.Join(names, " ") != "favorite api-gateway etcd" {
		t.Errorf("failures = %v, want the three kills and nothing else", names)
	}
	if n := out.count("", "is back ("); n != 3 {
		t.Errorf("%d restart lines, want 3", n)
	}
}

// startReal starts the real stack on free ports in schemas of its own, dropped at the end.
func startReal(t *testing.T, root string) (*Stack, *recordingOut) {
	t.Helper()
	prefix := dbtest.SchemaName("h_sup") + "_"
	t.Cleanup(func() {
		for _, name := range serviceNames() {
			if err := db.DropSchema(context.Background(), dbtest.DSN(), prefix+name); err != nil {
				t.Errorf("drop %s: %v", prefix+name, err)
			}
		}
	})
	out := &recordingOut{t: t}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	varDir := filepath.Join(t.TempDir(), "var")
	s, _, err := StartOnFreePorts(ctx, Options{
		Root: root, VarDir: varDir, MySQLDSN: dbtest.DSN(), SchemaPrefix: prefix, Out: out,
	})
	if err != nil {
		t.Fatalf("start the stack (logs in %s): %v", filepath.Join(varDir, "log"), err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		assertGone(t, s)
	})
	return s, out
}

// registrationKept waits until the service is registered under a lease that is being renewed:
// its remaining TTL goes back up between two reads.
func registrationKept(t *testing.T, cli *clientv3.Client, name string) {
	t.Helper()
	var lastLease clientv3.LeaseID
	lastTTL := int64(-1)
	eventually(t, 30*time.Second, name+" registered under a renewed lease", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		resp, err := cli.Get(ctx, registryPrefix+name+"/", clientv3.WithPrefix())
		if err != nil || len(resp.Kvs) != 1 || resp.Kvs[0].Lease == 0 {
			return false
		}
		lease := clientv3.LeaseID(resp.Kvs[0].Lease)
		ttl, err := cli.TimeToLive(ctx, lease)
		if err != nil || ttl.TTL <= 0 {
			return false
		}
		renewed := lease == lastLease && ttl.TTL > lastTTL && lastTTL > 0
		lastLease, lastTTL = lease, ttl.TTL
		return renewed
	})
}

// gatewayClient calls the gateway as the phone does and reads status_code.
type gatewayClient struct {
	t    *testing.T
	base string
	http *http.Client
}

// code sends the request and returns its status_code; a transport failure or an answer that is
// not the contract's JSON counts as -1, so that a caller can poll.
func (g *gatewayClient) code(method, path string, params url.Values) int64 {
	body, err := g.call(method, path, params)
	if err != nil {
		g.t.Logf("%s %s: %v", method, path, err)
		return -1
	}
	var code int64
	if err := json.Unmarshal(body["status_code"], &code); err != nil {
		return -1
	}
	if code != 0 {
		g.t.Logf("%s %s: %s", method, path, body["status_msg"])
	}
	return code
}

func (g *gatewayClient) call(method, path string, params url.Values) (map[string]json.RawMessage, error) {
	req, err := http.NewRequest(method, g.base+path+"?"+params.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := g.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("HTTP %s, not JSON: %w", resp.Status, err)
	}
	return body, nil
}

// register makes an account with a unique name and returns its id and token.
func (g *gatewayClient) register(name string) (id, token string) {
	g.t.Helper()
	name = fmt.Sprintf("%s%d", name, time.Now().UnixNano()%1e9)
	body, err := g.call("POST", "/douyin/user/register/", url.Values{"username": {name}, "password": {"secret1"}})
	if err != nil {
		g.t.Fatal(err)
	}
	var uid int64
	if err := json.Unmarshal(body["user_id"], &uid); err != nil || uid == 0 {
		g.t.Fatalf("register %s: %s", name, body["status_msg"])
	}
	if err := json.Unmarshal(body["token"], &token); err != nil || token == "" {
		g.t.Fatalf("register %s: no token", name)
	}
	return fmt.Sprint(uid), token
}
