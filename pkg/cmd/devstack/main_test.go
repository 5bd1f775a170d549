package main

import (
	"strings"
	"testing"
)

func TestReplicasFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
		err  string
	}{
		{nil, 1, ""},
		{[]string{"-replicas", "2"}, 2, ""},
		{[]string{"-replicas", "3"}, 0, "-replicas 3: 1 or 2"},
		{[]string{"-replicas", "0"}, 0, "-replicas 0: 1 or 2"},
	} {
		o, err := parseFlags(tc.args)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v; want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || o.replicas != tc.want {
			t.Errorf("%v: replicas %d, error %v; want %d", tc.args, o.replicas, err, tc.want)
		}
	}
}

// PUBLIC_URL (make run PUBLIC_URL=...), else the gateway's own TIKTOK_PUBLIC_BASE_URL, is the
// default of -public-url: the stack no longer overrides what the caller asked for.
func TestPublicURLFlag(t *testing.T) {
	for _, tc := range []struct {
		publicURL, baseURL string
		args               []string
		want               string
		lan                bool
	}{
		{"", "", nil, "", false},
		{"", "", []string{"-lan"}, "", true},
		{"http://192.168.1.20:8080", "https://other.example.org", nil, "http://192.168.1.20:8080", false},
		{"", "https://tunnel.example.org", []string{"-lan"}, "https://tunnel.example.org", true},
		{"http://192.168.1.20:8080", "", []string{"-public-url", "http://10.0.0.2:8080"}, "http://10.0.0.2:8080", false},
	} {
		t.Setenv("PUBLIC_URL", tc.publicURL)
		t.Setenv("TIKTOK_PUBLIC_BASE_URL", tc.baseURL)
		o, err := parseFlags(tc.args)
		if err != nil || o.publicURL != tc.want || o.lan != tc.lan {
			t.Errorf("PUBLIC_URL=%q TIKTOK_PUBLIC_BASE_URL=%q %v: public URL %q, lan %v (%v); want %q, %v",
				tc.publicURL, tc.baseURL, tc.args, o.publicURL, o.lan, err, tc.want, tc.lan)
		}
	}
}
