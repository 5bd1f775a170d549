package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// writeHeader says what is measured on what: the machine, the gateway, the seed sizes, the
// tracing sample rate and the rate-limit switch, so that a table is never read without them.
func writeHeader(w io.Writer, o options) {
	fmt.Fprintf(w, "machine: %d CPUs, %s memory, %s/%s, %s; load average %s\n", runtime.NumCPU(), memTotal(), runtime.GOOS, runtime.GOARCH, runtime.Version(), loadAverage())
	fmt.Fprintf(w, "gateway: %s\n", o.baseURL)
	fmt.Fprintf(w, "seed: %d users, %d videos, %d likes, %d follows, %d comments, %d messages\n",
		o.sizes.Users, o.sizes.Videos, o.sizes.Likes, o.sizes.Follows, o.sizes.Comments, o.sizes.Messages)
	fmt.Fprintf(w, "tracing sample rate: %s\n", sampleRate(o))
	limit := os.Getenv("TIKTOK_RATE_LIMIT")
	if limit == "" {
		limit = "(unset)"
	}
	fmt.Fprintf(w, "TIKTOK_RATE_LIMIT here: %s (the stack must have been started with TIKTOK_RATE_LIMIT=off too)\n", limit)
}

// sampleRate is the rate given by -sample-rate, or the one the gateway's config file sets (the
// gateway decides for a whole trace: services follow its decision).
func sampleRate(o options) string {
	if o.sampleRate != "" {
		return o.sampleRate + " (as given by -sample-rate)"
	}
	raw, err := os.ReadFile(o.gatewayConfig)
	if err != nil {
		return "unknown (pass -sample-rate with what the stack runs with)"
	}
	var cfg struct {
		Tracing struct {
			Disabled   bool    `yaml:"disabled"`
			SampleRate float64 `yaml:"sample_rate"`
		} `yaml:"tracing"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		return "unknown (" + o.gatewayConfig + " does not read: pass -sample-rate)"
	}
	return describeSampleRate(cfg.Tracing.Disabled, cfg.Tracing.SampleRate, o.gatewayConfig)
}

// describeSampleRate reads tracing.sample_rate as pkg/tracing does: absent or 0 means 1.
func describeSampleRate(disabled bool, rate float64, file string) string {
	switch {
	case disabled:
		return "0: tracing disabled (from " + file + "; pass -sample-rate if the stack runs otherwise)"
	case rate == 0:
		return "1: every request traced (" + file + " sets no tracing.sample_rate; pass -sample-rate if the stack runs otherwise)"
	}
	return strconv.FormatFloat(rate, 'g', -1, 64) + " (from " + file + "; pass -sample-rate if the stack runs otherwise)"
}

// memTotal reads MemTotal from /proc/meminfo (Linux); elsewhere it is unknown.
func memTotal() string {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err == nil {
				return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	return "unknown"
}

// loadAverage is the 1, 5 and 15 minute load average (Linux), which says whether something else
// was using the cores while the stack was measured.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(raw))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], " ")
}
