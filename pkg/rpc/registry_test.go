//go:build integration

package rpc

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/cloudwego/kitex/pkg/registry"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// etcdServer is the real bin/etcd (built by `make build`), on free loopback ports.
type etcdServer struct {
	t            *testing.T
	bin, dir     string
	client, peer string
	cmd          *exec.Cmd
	exited       chan struct{}
}

func newEtcdServer(t *testing.T) *etcdServer {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "bin", "etcd")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is missing: run make build", bin)
	}
	e := &etcdServer{t: t, bin: bin, dir: t.TempDir(), client: freeAddr(t).String(), peer: freeAddr(t).String()}
	e.start()
	t.Cleanup(e.kill)
	return e
}

func (e *etcdServer) start() {
	e.t.Helper()
	cmd := exec.Command(e.bin, "-data-dir", filepath.Join(e.dir, "data"), "-client-addr", e.client, "-peer-addr", e.peer)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.cmd, e.exited = cmd, make(chan struct{})
	go func(exited chan struct{}) { _ = cmd.Wait(); close(exited) }(e.exited)
	cli := e.newClient()
	defer cli.Close()
	e.eventually(20*time.Second, "etcd answers", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := cli.Get(ctx, "ready")
		return err == nil
	})
}

func (e *etcdServer) kill() {
	if e.cmd == nil {
		return
	}
	_ = e.cmd.Process.Signal(syscall.SIGKILL)
	<-e.exited
	e.cmd = nil
}

func (e *etcdServer) newClient() *clientv3.Client {
	e.t.Helper()
	cli, err := etcdClient([]string{e.client})
	if err != nil {
		e.t.Fatal(err)
	}
	return cli
}

// eventually polls cond until it holds, failing the test after bound.
func (e *etcdServer) eventually(bound time.Duration, what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("not within %s: %s", bound, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// registration reads the instance key and how long its lease has left (-1: no key, or no live
// lease).
func registration(cli *clientv3.Client, key string) (val string, lease clientv3.LeaseID, ttl int64) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, key)
	if err != nil || len(resp.Kvs) == 0 {
		return "", 0, -1
	}
	lease = clientv3.LeaseID(resp.Kvs[0].Lease)
	ttlResp, err := cli.TimeToLive(ctx, lease)
	if err != nil {
		return string(resp.Kvs[0].Value), lease, -1
	}
	return string(resp.Kvs[0].Value), lease, ttlResp.TTL
}

// kept says whether the registration is alive: the key is there under a lease that is being
// renewed (its remaining TTL goes back up between two reads).
func kept(e *etcdServer, cli *clientv3.Client, key string) {
	e.t.Helper()
	var lastLease clientv3.LeaseID
	lastTTL := int64(-1)
	e.eventually(3*leaseTTL*time.Second, "the registration is renewed", func() bool {
		_, lease, ttl := registration(cli, key)
		renewed := ttl > 0 && lease == lastLease && ttl > lastTTL && lastTTL > 0
		lastLease, lastTTL = lease, ttl
		return renewed
	})
}

func register(t *testing.T, e *etcdServer, name string, checkEvery time.Duration) (*etcdRegistry, string) {
	t.Helper()
	reg, err := newRegistry([]string{e.client}, nil, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		t.Fatal(err)
	}
	reg.checkEvery = checkEvery
	addr := freeAddr(t)
	info := &registry.Info{ServiceName: name, Addr: addr, Weight: 10}
	if err := reg.Register(info); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reg.Deregister(info) })
	return reg, registryPrefix + name + "/" + addr.String()
}

// The registration survives etcd being killed for longer than the lease TTL and restarted with
// its data: the client's keep-alive gives up during the outage, and the keeper writes the key
// again under a new lease once etcd is back.
func TestRegistrationSurvivesLongEtcdOutage(t *testing.T) {
	e := newEtcdServer(t)
	_, key := register(t, e, "video", checkInterval)
	cli := e.newClient()
	defer cli.Close()
	val, lease, _ := registration(cli, key)
	var inst instance
	if err := json.Unmarshal([]byte(val), &inst); err != nil || inst.Network != "tcp" || key != registryPrefix+"video/"+inst.Address {
		t.Fatalf("value %q (%v) is not registry-etcd's layout for %s", val, err, key)
	}

	e.kill()
	// Longer than the TTL, so that the client-side keep-alive ends for want of an answer.
	time.Sleep((leaseTTL + 3) * time.Second)
	e.start()
	kept(e, cli, key)
	if _, now, _ := registration(cli, key); now == lease {
		t.Errorf("still under the lease %x nobody renewed during the outage", lease)
	}
}

// etcd restarted without its data (a new, empty etcd) learns the instance again: the keep-alive
// hears that the lease is unknown.
func TestRegistrationSurvivesEtcdDataLoss(t *testing.T) {
	e := newEtcdServer(t)
	_, key := register(t, e, "comment", checkInterval)
	e.kill()
	if err := os.RemoveAll(filepath.Join(e.dir, "data")); err != nil {
		t.Fatal(err)
	}
	e.start()
	cli := e.newClient()
	defer cli.Close()
	kept(e, cli, key)
}

// A key deleted by hand while its lease lives is written again by the periodic check.
func TestDeletedKeyIsWrittenAgain(t *testing.T) {
	e := newEtcdServer(t)
	_, key := register(t, e, "relation", time.Second)
	cli := e.newClient()
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := cli.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	e.eventually(20*time.Second, "the deleted key is back", func() bool {
		_, _, ttl := registration(cli, key)
		return ttl > 0
	})
}

// Deregister removes the instance at once, rather than at the lease's expiry.
func TestDeregisterRemovesTheKey(t *testing.T) {
	e := newEtcdServer(t)
	reg, key := register(t, e, "message", checkInterval)
	addrPort := key[len(registryPrefix+"message/"):]
	host, port, _ := net.SplitHostPort(addrPort)
	p, _ := strconv.Atoi(port)
	if err := reg.Deregister(&registry.Info{ServiceName: "message", Addr: &net.TCPAddr{IP: net.ParseIP(host), Port: p}}); err != nil {
		t.Fatal(err)
	}
	cli := e.newClient()
	defer cli.Close()
	if _, _, ttl := registration(cli, key); ttl != -1 {
		t.Fatalf("key %s is still there after Deregister", key)
	}
}

// The resolver finds what the registry wrote, and goes on answering with it while etcd is down.
func TestResolverOverRealEtcd(t *testing.T) {
	e := newEtcdServer(t)
	_, key := register(t, e, "favorite", checkInterval)
	res, err := newResolver([]string{e.client}, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	want := key[len(registryPrefix+"favorite/"):]
	got, err := res.Resolve(ctx, "favorite")
	if err != nil || len(got.Instances) != 1 || got.Instances[0].Address().String() != want {
		t.Fatalf("resolve = %v, %v; want %s", addrsOf(got), err, want)
	}
	e.kill()
	got, err = res.Resolve(ctx, "favorite")
	if err != nil || len(got.Instances) != 1 || got.Instances[0].Address().String() != want {
		t.Fatalf("with etcd down: %v, %v; want the last known %s", addrsOf(got), err, want)
	}
}
