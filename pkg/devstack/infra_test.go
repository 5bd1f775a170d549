//go:build integration

package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	jaeger "github.com/uber/jaeger-client-go"
	"github.com/uber/jaeger-client-go/transport"
)

// TestEtcdAndJaeger starts the real etcd and Jaeger through the functions Start uses, on free
// ports, proves that Jaeger stores a span sent over HTTP and one sent over UDP, then stops both
// and checks that nothing is left running or listening.
func TestEtcdAndJaeger(t *testing.T) {
	root := requireRealBinaries(t, "etcd", "jaeger")
	ports := freePorts(t)
	s, err := newStack(Options{Root: root, VarDir: t.TempDir(), Ports: ports, Out: testOut{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	if err := s.prepareDirs(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := s.startEtcd(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.startJaeger(ctx); err != nil {
		t.Fatal(err)
	}

	checkEtcdReadWrite(ctx, t, s)
	viaHTTP := sendSpan(t, "devstack-test-http", transport.NewHTTPTransport(s.collectorURL()))
	udp, err := jaeger.NewUDPTransport(loopback(ports.JaegerAgentCompact), 0)
	if err != nil {
		t.Fatal(err)
	}
	viaUDP := sendSpan(t, "devstack-test-udp", udp)
	waitForTrace(ctx, t, s.JaegerQueryURL(), viaHTTP, "devstack-test-http")
	waitForTrace(ctx, t, s.JaegerQueryURL(), viaUDP, "devstack-test-udp")

	for _, name := range []string{"etcd", "jaeger"} {
		if info, err := os.Stat(filepath.Join(s.LogDir(), name+".log")); err != nil || info.Size() == 0 {
			t.Errorf("%s.log is missing or empty: %v", name, err)
		}
	}
	if err := s.Stop(); err != nil {
		t.Errorf("stop: %v", err)
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

// checkEtcdReadWrite proves etcd serves a write and a read, beyond the readiness probe.
func checkEtcdReadWrite(ctx context.Context, t *testing.T, s *Stack) {
	t.Helper()
	if _, err := s.etcd.Put(ctx, "devstack/test", "ok"); err != nil {
		t.Fatalf("etcd put: %v", err)
	}
	resp, err := s.etcd.Get(ctx, "devstack/test")
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "ok" {
		t.Fatalf("etcd get: %v %v", resp, err)
	}
}

// sendSpan reports one span of service over sender, flushed before it returns, and returns the
// span's trace ID.
func sendSpan(t *testing.T, service string, sender jaeger.Transport) string {
	t.Helper()
	tracer, closer := jaeger.NewTracer(service, jaeger.NewConstSampler(true), jaeger.NewRemoteReporter(sender))
	span := tracer.StartSpan("devstack-probe")
	traceID := span.Context().(jaeger.SpanContext).TraceID().String()
	span.Finish()
	// Close flushes the reporter's queue and the transport's buffer.
	if err := closer.Close(); err != nil {
		t.Fatalf("flush spans of %s: %v", service, err)
	}
	return traceID
}

// waitForTrace polls Jaeger's query API until the trace is stored with the given service, since
// spans are written asynchronously.
func waitForTrace(ctx context.Context, t *testing.T, queryURL, traceID, service string) {
	t.Helper()
	url := fmt.Sprintf("%s/api/traces/%s", queryURL, traceID)
	deadline := time.Now().Add(15 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		found, detail := traceHasService(ctx, url, service)
		if found {
			return
		}
		last = detail
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("trace %s of %s not found in Jaeger (last answer: %s)", traceID, service, last)
}

func traceHasService(ctx context.Context, url, service string) (bool, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err.Error()
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	var body struct {
		Data []struct {
			Spans []struct {
				OperationName string `json:"operationName"`
			} `json:"spans"`
			Processes map[string]struct {
				ServiceName string `json:"serviceName"`
			} `json:"processes"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return false, fmt.Sprintf("%s: %v", resp.Status, err)
	}
	for _, trace := range body.Data {
		for _, proc := range trace.Processes {
			if proc.ServiceName == service && len(trace.Spans) > 0 && trace.Spans[0].OperationName == "devstack-probe" {
				return true, ""
			}
		}
	}
	return false, fmt.Sprintf("%s with %d traces", resp.Status, len(body.Data))
}
