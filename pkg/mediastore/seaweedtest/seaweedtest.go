// Package seaweedtest runs a real S3-compatible server for tests: SeaweedFS (`weed server -s3`)
// from the repository's bin/weed, which `make build` builds from the Go module proxy. The server
// listens on free loopback ports only, keeps its data in a test folder, checks signatures against
// one identity, and is killed when the test ends.
package seaweedtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

const (
	// AccessKey and SecretKey are the one identity the server knows; any other is refused.
	AccessKey = "seaweedtest-access"
	SecretKey = "seaweedtest-secret-0123456789abcdef"
	// readyTimeout bounds the start: about 10 s on an idle machine, more on a busy one.
	readyTimeout = 90 * time.Second
)

// Server is a running SeaweedFS with its S3 API at Endpoint.
type Server struct {
	Endpoint string // http://127.0.0.1:port
	LogPath  string
}

// Start starts bin/weed (root is the repository root) and waits until its S3 API answers a signed
// request. It fails the test, never skips it, when the binary is missing.
func Start(t testing.TB, root string) *Server {
	t.Helper()
	bin := filepath.Join(root, "bin", "weed")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is missing: run make build (it builds SeaweedFS from the Go module proxy)", bin)
	}
	dir := t.TempDir()
	ports, err := freePorts(8)
	if err != nil {
		t.Fatal(err)
	}
	configPath := filepath.Join(dir, "s3.json")
	if err := writeIdentities(configPath); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	port := func(i int) string { return strconv.Itoa(ports[i]) }
	// Every port weed would open is named: left at 0, a gRPC port is the HTTP port + 10000, which
	// may be taken or past 65535. Iceberg and Lance catalogs are off; telemetry is off, so that
	// nothing leaves the machine; the Unix sockets live in the test folder. Every bucket is a
	// collection with volumes of its own, so the volumes are small and many may exist; the volume
	// server stops at once instead of waiting out its usual ten seconds.
	args := []string{"server",
		"-dir=" + data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port=" + port(0), "-master.port.grpc=" + port(1), "-master.telemetry=false",
		"-volume.port=" + port(2), "-volume.port.grpc=" + port(3), "-volume.preStopSeconds=0",
		"-volume.max=100", "-master.volumeSizeLimitMB=64",
		"-filer.port=" + port(4), "-filer.port.grpc=" + port(5), "-filer.localSocket=" + filepath.Join(dir, "filer.sock"),
		"-s3", "-s3.port=" + port(6), "-s3.port.grpc=" + port(7), "-s3.config=" + configPath,
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.localSocket=" + filepath.Join(dir, "s3.sock"),
	}
	logPath := filepath.Join(dir, "weed.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		stop(cmd, exited)
		if t.Failed() {
			t.Logf("--- end of the SeaweedFS log %s:\n%s", logPath, tail(logPath))
		}
	})

	s := &Server{Endpoint: "http://127.0.0.1:" + port(6), LogPath: logPath}
	if err := s.waitReady(exited); err != nil {
		t.Fatalf("seaweedfs: %v\n--- %s:\n%s", err, logPath, tail(logPath))
	}
	return s
}

// waitReady polls a signed ListBuckets until it succeeds: then the master, the volume server,
// the filer and the S3 API all answer.
func (s *Server) waitReady(exited <-chan struct{}) error {
	client, err := s.Client(AccessKey, SecretKey)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(readyTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("weed exited during start")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, last = client.ListBuckets(ctx)
		cancel()
		if last == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("not ready within %s: %v", readyTimeout, last)
}

// Client is a plain S3 client of the server with the given keys, for checks from outside the
// code under test.
func (s *Server) Client(accessKey, secretKey string) (*minio.Client, error) {
	return minio.New(s.Endpoint[len("http://"):], &minio.Options{
		Creds:        credentials.NewStaticV4(accessKey, secretKey, ""),
		BucketLookup: minio.BucketLookupPath,
		Region:       "us-east-1",
		MaxRetries:   1,
	})
}

// writeIdentities writes the S3 identity config: one identity with every right. With any
// identity configured, weed checks every request's signature and refuses anonymous ones.
func writeIdentities(path string) error {
	type credential struct {
		AccessKey string `json:"accessKey"`
		SecretKey string `json:"secretKey"`
	}
	type identity struct {
		Name        string       `json:"name"`
		Credentials []credential `json:"credentials"`
		Actions     []string     `json:"actions"`
	}
	cfg := struct {
		Identities []identity `json:"identities"`
	}{[]identity{{
		Name:        "gateway",
		Credentials: []credential{{AccessKey, SecretKey}},
		Actions:     []string{"Admin", "Read", "List", "Tagging", "Write"},
	}}}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o600)
}

// freePorts holds n loopback listeners open at once (so that no port is handed out twice), then
// closes them and returns their ports.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// stop kills weed. Its data folder is thrown away, so a graceful stop would buy nothing, and weed
// takes some 17 s to stop gracefully (its filer retries flushes to the volume server it is
// stopping).
func stop(cmd *exec.Cmd, exited <-chan struct{}) {
	_ = cmd.Process.Kill()
	<-exited
}

// tail is the end of the log, quoted when the start fails.
func tail(path string) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(raw) > 4000 {
		raw = raw[len(raw)-4000:]
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	return string(raw)
}
