//go:build integration

package devstack

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestTwoReplicas starts a stand-in stack of two replicas: every service and the gateway run
// twice, each instance on its own ports and registered under its own key (the one it advertises,
// when Options.Env says so), and each is a process of its own to kill, stop and see restarted.
func TestTwoReplicas(t *testing.T) {
	out := &recordingOut{t: t}
	const advertised = "127.0.0.1:5555"
	s, ports, _, err := startStandInsWith(t, func(o *Options) {
		o.Out, o.Replicas = out, 2
		o.Env = map[string][]string{"comment-2": {"TIKTOK_ADVERTISE_ADDR=" + advertised}}
	})
	if err != nil {
		t.Fatal(err)
	}

	var want []string
	for _, name := range serviceNames() {
		want = append(want, name, name+"-2")
	}
	want = append(append([]string{"etcd", "jaeger", "prometheus", "nats-server"}, want...), "media-worker", "api-gateway", "api-gateway-2")
	var got []string
	for _, st := range s.Status() {
		got = append(got, st.Name)
		if !st.Ready {
			t.Errorf("%s is not ready", st.Name)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("processes = %v; want %v", got, want)
	}

	// Each instance is registered under its own address; comment-2 under the one it advertises.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := s.etcd.Get(ctx, registryPrefix, clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, kv := range resp.Kvs {
		keys[string(kv.Key)] = true
	}
	for _, name := range serviceNames() {
		second := loopback(ports.Second.Services[name])
		if name == "comment" {
			second = advertised
		}
		for _, addr := range []string{loopback(ports.Services[name]), second} {
			if !keys[registryPrefix+name+"/"+addr] {
				t.Errorf("%s has no instance %s in etcd: %v", name, addr, keys)
			}
		}
	}
	for _, url := range s.GatewayURLs() {
		healthy(t, url)
	}
	log, err := os.ReadFile(filepath.Join(s.LogDir(), "video-2.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name":"video"`, `"TIKTOK_LISTEN_ADDR":"` + loopback(ports.Second.Services["video"]) + `"`,
		`"TIKTOK_ADMIN_ADDR":"` + loopback(ports.Second.Admin["video"]) + `"`, `"TIKTOK_MYSQL_DATABASE":"devstack_test_video"`} {
		if !strings.Contains(string(log), want) {
			t.Errorf("video-2.log lacks %s:\n%s", want, log)
		}
	}
	// One migration step per service, whatever the number of its instances.
	if _, err := os.Stat(filepath.Join(s.LogDir(), "video-2-migrate.log")); !os.IsNotExist(err) {
		t.Errorf("video-2 ran a migration step of its own: %v", err)
	}

	t.Run("a killed second instance", func(t *testing.T) {
		first, old := statusOf(t, s, "comment").PID, statusOf(t, s, "comment-2").PID
		if err := s.KillFor("comment-2", 0); err != nil {
			t.Fatal(err)
		}
		waitBack(t, s, "comment-2", old, 1)
		if st := statusOf(t, s, "comment"); st.PID != first || st.Restarts != 0 {
			t.Errorf("comment was restarted with comment-2: %+v", st)
		}
		if n := out.count("comment-2 exited (signal: killed)"); n != 1 {
			t.Errorf("%d exit lines for comment-2, want 1", n)
		}
	})

	t.Run("a second gateway stopped with SIGTERM", func(t *testing.T) {
		first, old := statusOf(t, s, "api-gateway").PID, statusOf(t, s, "api-gateway-2").PID
		if err := s.TerminateFor("api-gateway-2", time.Second); err != nil {
			t.Fatal(err)
		}
		waitBack(t, s, "api-gateway-2", old, 1)
		if n := out.count("api-gateway-2 exited (exit status 0, stopped with SIGTERM on request)", "held down on request"); n != 1 {
			t.Errorf("%d lines for the stopped api-gateway-2, want 1", n)
		}
		if n := out.count("api-gateway-2 is back"); n != 1 {
			t.Errorf("%d restart lines for api-gateway-2, want 1", n)
		}
		healthy(t, s.GatewayURLs()[1])
		if st := statusOf(t, s, "api-gateway"); st.PID != first || st.Restarts != 0 {
			t.Errorf("api-gateway was restarted with api-gateway-2: %+v", st)
		}
		if err := s.TerminateFor("nobody", 0); err == nil || !strings.Contains(err.Error(), `"nobody"`) {
			t.Errorf("TerminateFor of an unknown process: %v", err)
		}
	})

	if err := s.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	assertGone(t, s)
	assertNoChildren(t)
	assertPortsFree(t, ports)
}

// healthy wants 200 from a gateway's /healthz.
func healthy(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("%s/healthz: %s", url, resp.Status)
	}
}
