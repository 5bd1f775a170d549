package main

import (
	"math"
	"slices"
	"time"
)

// maxReasons bounds the distinct failure reasons kept per run; the rest are counted as "other".
const maxReasons = 16

// recorder collects what one worker saw. Each worker has its own, so recording takes no lock;
// merge joins them when the run is over.
type recorder struct {
	latencies []time.Duration // of every request, ok or not
	ok, nonOK int
	late      int // open loop: sent later than its schedule allowed
	reasons   map[string]int
}

func newRecorder(capacity int) *recorder {
	return &recorder{latencies: make([]time.Duration, 0, capacity), reasons: map[string]int{}}
}

func (r *recorder) record(latency time.Duration, ok bool, reason string) {
	r.latencies = append(r.latencies, latency)
	if ok {
		r.ok++
		return
	}
	r.nonOK++
	if _, known := r.reasons[reason]; !known && len(r.reasons) >= maxReasons {
		reason = "other"
	}
	r.reasons[reason]++
}

// result is one row of the table: what one endpoint did at one load.
type result struct {
	Endpoint string
	Load     string // "64 conns", or the open loop's rate
	OK       int
	NonOK    int
	Late     int
	Elapsed  time.Duration
	P50, P99 time.Duration
	Reasons  map[string]int
	// Ceiling marks the row the other rows are compared with; Open marks an open-loop row (its
	// ok-req/s is the offered rate at best, so a ratio against the ceiling says nothing).
	Ceiling, Open bool
}

// merge joins the workers' recorders into one result measured over elapsed.
func merge(endpoint, load string, elapsed time.Duration, recs []*recorder) result {
	res := result{Endpoint: endpoint, Load: load, Elapsed: elapsed, Reasons: map[string]int{}}
	n := 0
	for _, r := range recs {
		n += len(r.latencies)
	}
	all := make([]time.Duration, 0, n)
	for _, r := range recs {
		all = append(all, r.latencies...)
		res.OK += r.ok
		res.NonOK += r.nonOK
		res.Late += r.late
		for k, v := range r.reasons {
			res.Reasons[k] += v
		}
	}
	slices.Sort(all)
	res.P50 = percentile(all, 50)
	res.P99 = percentile(all, 99)
	return res
}

// percentile is the nearest-rank percentile of sorted: the smallest value that at least p percent
// of the values do not exceed. It is 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// okRate is the ok answers per second over the run.
func (r result) okRate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// ratio is rate as a percentage of the ceiling's rate, and false when there is no ceiling to
// compare with.
func ratio(rate, ceiling float64) (float64, bool) {
	if ceiling <= 0 {
		return 0, false
	}
	return 100 * rate / ceiling, true
}
