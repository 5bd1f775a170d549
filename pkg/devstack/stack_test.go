//go:build integration

package devstack

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startStandIns runs Start on free ports with stand-ins for the services and the gateway.
func startStandIns(t *testing.T, extraEnv ...string) (*Stack, Ports, string, error) {
	t.Helper()
	return startStandInsWith(t, nil, extraEnv...)
}

// startStandInsWith is startStandIns with options changed by tweak.
func startStandInsWith(t *testing.T, tweak func(*Options), extraEnv ...string) (*Stack, Ports, string, error) {
	t.Helper()
	root := standInRoot(t)
	varDir := filepath.Join(t.TempDir(), "var")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts := Options{
		Root:         root,
		VarDir:       varDir,
		MySQLDSN:     "root:@tcp(127.0.0.1:3306)/",
		SchemaPrefix: "devstack_test_",
		Out:          testOut{t},
		// A -race binary sleeps 1 s at exit by default; the stand-ins need not.
		ExtraEnv: append([]string{standInEnv + "=1", "GORACE=atexit_sleep_ms=0"}, extraEnv...),
	}
	if tweak != nil {
		tweak(&opts)
	}
	s, ports, err := StartOnFreePorts(ctx, opts)
	if s != nil {
		t.Cleanup(func() { _ = s.Stop() })
	}
	return s, ports, varDir, err
}

// TestStartAndStop starts the whole stack in order, checks what each process was given, and
// stops it without leaving a process or a port behind.
func TestStartAndStop(t *testing.T) {
	s, ports, varDir, err := startStandIns(t)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.GatewayURL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("gateway /healthz: %s", resp.Status)
	}
	checkStartOrder(t, s)
	checkServiceEnv(t, s, "video", ports)
	if s.LogDir() != filepath.Join(varDir, "log") {
		t.Errorf("LogDir = %s", s.LogDir())
	}
	if err := s.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second stop: %v", err)
	}
	assertGone(t, s)
	assertNoChildren(t)
	assertPortsFree(t, ports)
	select {
	case err := <-s.Done():
		t.Errorf("Done reported an exit caused by Stop: %v", err)
	default:
	}
}

func checkStartOrder(t *testing.T, s *Stack) {
	t.Helper()
	var got []string
	for _, p := range s.procs {
		got = append(got, p.name)
	}
	want := strings.Join(append(append([]string{"etcd", "jaeger", "prometheus", "nats-server"}, serviceNames()...), "media-worker", "api-gateway"), " ")
	if strings.Join(got, " ") != want {
		t.Errorf("start order = %v, want %s", got, want)
	}
}

// checkServiceEnv reads the environment line the stand-in logged.
func checkServiceEnv(t *testing.T, s *Stack, name string, ports Ports) {
	t.Helper()
	log, err := os.ReadFile(filepath.Join(s.LogDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"TIKTOK_LISTEN_ADDR":"` + loopback(ports.Services[name]) + `"`,
		`"TIKTOK_ETCD_ENDPOINTS":"` + loopback(ports.EtcdClient) + `"`,
		`"TIKTOK_JAEGER_COLLECTOR_URL":"http://` + loopback(ports.JaegerCollectorHTTP) + `/api/traces"`,
		`"TIKTOK_MYSQL_DSN":"svc_devstack_test_` + name + `:`, // its runtime account
		`"TIKTOK_MYSQL_DATABASE":"devstack_test_` + name + `"`,
		`"TIKTOK_ADMIN_ADDR":"` + loopback(ports.Admin[name]) + `"`,
		`"TIKTOK_NATS_URL":"nats://` + loopback(ports.NATS) + `"`,
		`"TIKTOK_ENV":"development"`,
	} {
		if !strings.Contains(string(log), want) {
			t.Errorf("%s.log lacks %s:\n%s", name, want, log)
		}
	}
	// Its migration step ran before it, as the account devstack was given.
	migrateLog, err := os.ReadFile(filepath.Join(s.LogDir(), name+"-migrate.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name":"` + name + ` -migrate-only"`, `"TIKTOK_MYSQL_DSN":"root:@tcp(127.0.0.1:3306)/"`,
		`"TIKTOK_MYSQL_DATABASE":"devstack_test_` + name + `"`} {
		if !strings.Contains(string(migrateLog), want) {
			t.Errorf("%s-migrate.log lacks %s:\n%s", name, want, migrateLog)
		}
	}
}

// TestStartFailsAndCleansUp makes one service fail at start: Start must name it, quote its log
// and stop what it had started.
func TestStartFailsAndCleansUp(t *testing.T) {
	s, ports, _, err := startStandIns(t, standInFailEnv+"=comment")
	if err == nil {
		t.Fatal("Start succeeded although comment failed")
	}
	t.Logf("Start error, as a person would read it:\n%v", err)
	if s != nil {
		t.Error("Start returned a stack along with an error")
	}
	var perr *ProcessError
	if !errors.As(err, &perr) || perr.Name != "comment" {
		t.Fatalf("error does not name comment: %v", err)
	}
	for _, want := range []string{"comment exited: exit status 3", "simulated failure: cannot reach MySQL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	assertNoChildren(t)
	assertPortsFree(t, ports)
}

// TestDoneReportsDeath kills one service of a stack that does not supervise: Done must say which
// and how, and nothing is restarted.
func TestDoneReportsDeath(t *testing.T) {
	s, _, _, err := startStandInsWith(t, func(o *Options) { o.FailFast = true })
	if err != nil {
		t.Fatal(err)
	}
	victim := procNamed(t, s, "favorite") // a service in the middle of the order
	if err := syscall.Kill(victim.pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.Done():
		if !strings.Contains(err.Error(), victim.name+" exited: signal: killed") {
			t.Errorf("Done = %v, want the death of %s", err, victim.name)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Done did not report the killed process")
	}
	if st := statusOf(t, s, "favorite"); st.Restarts != 0 || st.Ready {
		t.Errorf("FailFast stack restarted favorite or calls it ready: %+v", st)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	assertGone(t, s)
	assertNoChildren(t)
}

// TestStartRefusesBusyPort checks that a busy port is named, with its owner, before anything
// starts.
func TestStartRefusesBusyPort(t *testing.T) {
	root := standInRoot(t)
	ports := freePorts(t)
	l, err := net.Listen("tcp", loopback(ports.Gateway))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = Start(context.Background(), Options{Root: root, VarDir: t.TempDir(), MySQLDSN: "root:@tcp(127.0.0.1:3306)/", Ports: ports})
	if err == nil {
		t.Fatal("Start succeeded on a busy port")
	}
	want := "port " + strconv.Itoa(ports.Gateway) + " (gateway HTTP) is in use by "
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Errorf("error = %v, want %q naming this process", err, want)
	}
	assertNoChildren(t)
}

// procNamed is the current process of the named program.
func procNamed(t *testing.T, s *Stack, name string) *process {
	t.Helper()
	for _, c := range s.children {
		if c.name == name {
			return c.current()
		}
	}
	t.Fatalf("no process %s", name)
	return nil
}

func statusOf(t *testing.T, s *Stack, name string) ProcessStatus {
	t.Helper()
	for _, st := range s.Status() {
		if st.Name == name {
			return st
		}
	}
	t.Fatalf("no status of %s", name)
	return ProcessStatus{}
}
