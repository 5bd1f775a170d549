package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
)

func TestOKAnswer(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   bool
	}{
		{"success", 200, `{"status_code":0,"status_msg":"success","video_list":[]}`, true},
		{"spaces around the colon", 200, `{ "status_code" : 0 , "status_msg":"ok"}`, true},
		{"last field", 200, `{"status_msg":"ok","status_code":0}`, true},
		{"business error", 200, `{"status_code":10002,"status_msg":"user not found"}`, false},
		{"negative code", 200, `{"status_code":-1,"status_msg":"?"}`, false},
		{"zero then digits is not zero", 200, `{"status_code":01}`, false},
		{"fraction is not a code", 200, `{"status_code":0.5}`, false},
		{"string is not a code", 200, `{"status_code":"0"}`, false},
		{"no status_code", 200, `{"status_msg":"success"}`, false},
		{"empty body", 200, ``, false},
		{"HTML page", 200, `<html>status_code 0</html>`, false},
		{"HTTP 500 with code 0", 500, `{"status_code":0}`, false},
		{"HTTP 429", 429, `{"status_code":0,"status_msg":"slow down"}`, false},
		{"nested status_code after the top one", 200, `{"status_code":0,"x":{"status_code":5}}`, true},
		{"key without colon", 200, `{"status_code"}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := okAnswer(c.status, []byte(c.body)); got != c.want {
				t.Errorf("okAnswer(%d, %s) = %v, want %v", c.status, c.body, got, c.want)
			}
		})
	}
}

func TestFailureReason(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	cases := []struct {
		status int
		body   string
		err    error
		want   string
	}{
		{200, `{"status_code":10002,"status_msg":"user 5 not found"}`, nil, "status_code 10002"},
		{502, `bad gateway`, nil, "HTTP 502"},
		{200, `{}`, nil, "HTTP 200 without status_code"},
		{0, ``, refused, "transport: connection refused"},
		{0, ``, fmt.Errorf("read: %w", io.EOF), "transport: connection closed by the server"},
		{0, ``, &net.OpError{Op: "read", Err: timeoutErr{}}, "transport: timeout"},
		{0, ``, context.Canceled, "transport: canceled"},
		{0, ``, errors.New("strange"), "transport: error"},
	}
	for _, c := range cases {
		if got := failureReason(c.status, []byte(c.body), c.err); got != c.want {
			t.Errorf("failureReason(%d, %q, %v) = %q, want %q", c.status, c.body, c.err, got, c.want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }
