// Package memory sets how the garbage collector of a server process trades memory for CPU.
//
// Go's default (GOGC=100: collect when the heap has doubled since the last collection) suits a
// process whose memory is scarce. The gateway and the services keep small live heaps (tens of MB)
// and allocate fast, for every request: at the default they spent about a tenth of their CPU
// collecting. Tune lets the heap grow to five times what is live before collecting (GOGC=400),
// and, in a container, caps the heap below the container's memory limit (GOMEMLIMIT at 90 % of
// it), so that a process near its limit collects more often instead of being killed. Either
// variable set in the environment is left as it is: operators keep the last word.
package memory

import (
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// GCPercent is the GOGC a server process runs with unless the environment sets one.
const GCPercent = 400

// limitShare is the share of the container's memory limit the Go heap may use before the
// collector works harder; the rest is for what Go does not count (thread stacks, cgo, the binary).
const limitShare = 0.9

// cgroupLimits are the files that hold the memory limit of the process's container, cgroup v2
// first, then v1. A machine without them, or without a limit ("max", or v1's huge number), has
// no memory limit to respect.
var cgroupLimits = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// Tune applies the settings for this process and logs them once.
func Tune(log *slog.Logger) {
	s := settingsFrom(os.Getenv, os.ReadFile)
	if s.gcPercent > 0 {
		debug.SetGCPercent(s.gcPercent)
	}
	if s.limit > 0 {
		debug.SetMemoryLimit(s.limit)
	}
	log.Info("garbage collector", "gogc", s.describeGC(), "memory_limit", s.describeLimit())
}

// settings are what Tune sets: 0 leaves the runtime's own (the environment's, or Go's default).
type settings struct {
	gcPercent int
	limit     int64 // bytes
}

func settingsFrom(getenv func(string) string, readFile func(string) ([]byte, error)) settings {
	var s settings
	if getenv("GOGC") == "" {
		s.gcPercent = GCPercent
	}
	if getenv("GOMEMLIMIT") == "" {
		s.limit = containerLimit(readFile)
	}
	return s
}

// containerLimit is limitShare of the container's memory limit in bytes, or 0 when there is none.
func containerLimit(readFile func(string) ([]byte, error)) int64 {
	for _, path := range cgroupLimits {
		raw, err := readFile(path)
		if err != nil {
			continue
		}
		text := strings.TrimSpace(string(raw))
		n, err := strconv.ParseInt(text, 10, 64)
		// "max" (v2) or a number near the largest (v1's way of saying none): no limit.
		if err != nil || n <= 0 || n >= math.MaxInt64/2 {
			return 0
		}
		return int64(float64(n) * limitShare)
	}
	return 0
}

func (s settings) describeGC() string {
	if s.gcPercent == 0 {
		return "from GOGC: " + os.Getenv("GOGC")
	}
	return strconv.Itoa(s.gcPercent)
}

func (s settings) describeLimit() string {
	switch {
	case s.limit > 0:
		return strconv.FormatInt(s.limit>>20, 10) + " MiB (90 % of the container's)"
	case os.Getenv("GOMEMLIMIT") != "":
		return "from GOMEMLIMIT: " + os.Getenv("GOMEMLIMIT")
	default:
		return "none"
	}
}
