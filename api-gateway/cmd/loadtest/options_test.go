package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestOptionsDefaultsAndOverrides(t *testing.T) {
	t.Setenv("LOADTEST_DURATION", "3s")
	t.Setenv("LOADTEST_USERS", "20")
	o, err := parseOptions([]string{"-conns", "8, 16", "-videos", "30"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.duration != 3*time.Second || o.sizes.Users != 20 || o.sizes.Videos != 30 || len(o.conns) != 2 || o.conns[1] != 16 {
		t.Errorf("options %+v: want duration 3s and 20 users from the environment, 30 videos and conns 8,16 from flags", o)
	}
	if o.rate != 1000 || o.baseURL != "http://127.0.0.1:8080" {
		t.Errorf("defaults: rate %v, base %s", o.rate, o.baseURL)
	}
}

func TestOptionsRefuseNonsense(t *testing.T) {
	for _, args := range [][]string{
		{"-conns", "64,x"}, {"-conns", "0"}, {"-users", "1"}, {"-rate", "fast"}, {"-duration", "0s"},
	} {
		if _, err := parseOptions(args, io.Discard); err == nil {
			t.Errorf("%v was accepted", args)
		}
	}
	t.Setenv("LOADTEST_DURATION", "ten seconds")
	if _, err := parseOptions(nil, io.Discard); err == nil || !strings.Contains(err.Error(), "LOADTEST_DURATION") {
		t.Errorf("an unreadable environment value must be named: %v", err)
	}
}

func TestSelectScenarios(t *testing.T) {
	all := []scenario{{name: "feed, anonymous"}, {name: "feed, logged in"}, {name: "like/unlike"}, {name: "user info"}}
	got := selectScenarios(all, "feed, like")
	if len(got) != 3 || got[2].name != "like/unlike" {
		t.Errorf("selected %v", got)
	}
	if len(selectScenarios(all, "")) != 4 {
		t.Error("no filter keeps every scenario")
	}
}

func TestSampleRateDescription(t *testing.T) {
	if got := describeSampleRate(false, 0, "c.yaml"); !strings.HasPrefix(got, "1:") {
		t.Errorf("an absent rate is 1 (as pkg/tracing reads it): %q", got)
	}
	if got := describeSampleRate(false, 0.01, "c.yaml"); !strings.HasPrefix(got, "0.01 ") {
		t.Errorf("rate 0.01: %q", got)
	}
	if got := describeSampleRate(true, 1, "c.yaml"); !strings.HasPrefix(got, "0:") {
		t.Errorf("disabled tracing: %q", got)
	}
}
