package config

import (
	"strings"
	"testing"
	"time"
)

// Each call's timeout comes from its class and its service's override, with read_timeout
// defaulting to 1 s but never longer than rpc_timeout.
func TestClientTimeoutsByServiceAndClass(t *testing.T) {
	c := Client{RPCTimeout: 3 * time.Second, ConnectTimeout: time.Second,
		Services: map[string]ServiceTimeouts{"video": {ReadTimeout: 2 * time.Second}, "user": {RPCTimeout: 5 * time.Second}}}
	cases := []struct {
		service     string
		read, other time.Duration
	}{
		{"comment", DefaultReadTimeout, 3 * time.Second},
		{"video", 2 * time.Second, 3 * time.Second},
		{"user", DefaultReadTimeout, 5 * time.Second},
	}
	for _, tc := range cases {
		if read, other := c.Timeouts(tc.service); read != tc.read || other != tc.other {
			t.Errorf("%s: timeouts %v, %v; want %v, %v", tc.service, read, other, tc.read, tc.other)
		}
	}
	short := Client{RPCTimeout: 300 * time.Millisecond}
	if read, _ := short.Timeouts("comment"); read != 300*time.Millisecond {
		t.Errorf("read timeout with rpc_timeout 300ms = %v; want 300ms", read)
	}
	if b := (Client{}).Budget(); b != DefaultRetryBudget {
		t.Errorf("default budget = %v", b)
	}
	if r, m := (Breaker{}).Trip(); r != DefaultBreakerErrorRate || m != DefaultBreakerMinSample {
		t.Errorf("default breaker = %v, %v", r, m)
	}
}

// Policies Kitex would refuse, or that make no sense, stop the start with the key named.
func TestClientPolicyValidation(t *testing.T) {
	ok := Client{RPCTimeout: time.Second, ConnectTimeout: time.Second}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(*Client){
		"client.read_retries":        func(c *Client) { c.ReadRetries = MaxReadRetries + 1 },
		"client.retry_budget":        func(c *Client) { c.RetryBudget = 0.5 },
		"client.breaker.error_rate":  func(c *Client) { c.Breaker.ErrorRate = 1.5 },
		"client.breaker.min_sample":  func(c *Client) { c.Breaker.MinSample = -1 },
		"client.read_timeout":        func(c *Client) { c.ReadTimeout = -time.Second },
		"client.services.video":      func(c *Client) { c.Services = map[string]ServiceTimeouts{"video": {RPCTimeout: -1}} },
		"client.rpc_timeout and cli": func(c *Client) { c.RPCTimeout = 0 },
	}
	for key, spoil := range cases {
		c := ok
		spoil(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: Validate = %v; want an error naming it", key, err)
		}
	}
}
