package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// runClosed drives targets in a closed loop for d: conns workers, each sending its next request as
// soon as its last one is answered, over a keep-alive connection of its own (wireConn). Worker w starts at its own share
// of the targets (on an even index, so that an action and its undo stay in order) and walks on.
func runClosed(ctx context.Context, name string, targets []target, conns int, d, timeout time.Duration) result {
	recs := make([]*recorder, conns)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := range conns {
		rec := newRecorder(4096)
		recs[w] = rec
		wg.Go(func() {
			wc := newWireConn(targets[0].addr, timeout)
			defer wc.close()
			i := (w * len(targets) / conns) &^ 1
			for ctx.Err() == nil && time.Now().Before(deadline) {
				sent := time.Now()
				ok, reason := sendWire(ctx, wc, targets[i%len(targets)])
				if ctx.Err() != nil {
					return // interrupted: the last answer says nothing about the server
				}
				rec.record(time.Since(sent), ok, reason)
				i++
			}
		})
	}
	wg.Wait()
	return merge(name, fmt.Sprintf("%d conns", conns), time.Since(start), recs)
}

// openJob is one request of the open loop and the time it was due.
type openJob struct {
	due time.Time
	i   int
}

// scheduledAt is when request i of an open loop at rate requests per second is due.
func scheduledAt(start time.Time, i int, rate float64) time.Time {
	return start.Add(time.Duration(float64(i) * float64(time.Second) / rate))
}

// runOpen drives targets in an open loop: rate requests per second for d, each sent when it is due
// whatever happened to the others, over at most conns connections. A request's latency counts from
// when it was due, not from when a connection was free to send it, so a server that falls behind
// shows its queue in the percentiles (no coordinated omission). A request sent more than lateAfter
// after it was due is late; one not sent within timeout of the end of the schedule is not sent at
// all and counts as not ok.
func runOpen(ctx context.Context, name string, targets []target, rate float64, d time.Duration, conns int, timeout, lateAfter time.Duration) result {
	n := int(rate * d.Seconds())
	jobs := make(chan openJob, n)
	recs := make([]*recorder, conns)
	var wg sync.WaitGroup
	start := time.Now()
	cutoff := start.Add(d + timeout)
	for w := range conns {
		rec := newRecorder(n/conns + 16)
		recs[w] = rec
		wg.Go(func() {
			wc := newWireConn(targets[0].addr, timeout)
			defer wc.close()
			for job := range jobs {
				if ctx.Err() != nil {
					continue
				}
				now := time.Now()
				if now.After(cutoff) {
					rec.late++
					rec.record(now.Sub(job.due), false, "not sent: every connection stayed busy")
					continue
				}
				if now.Sub(job.due) > lateAfter {
					rec.late++
				}
				ok, reason := sendWire(ctx, wc, targets[job.i%len(targets)])
				if ctx.Err() == nil {
					rec.record(time.Since(job.due), ok, reason)
				}
			}
		})
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		due := scheduledAt(start, i, rate)
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		jobs <- openJob{due: due, i: i}
	}
	close(jobs)
	wg.Wait()
	res := merge(name, fmt.Sprintf("open %s req/s", groupThousands(int64(rate))), time.Since(start), recs)
	res.Open = true
	return res
}
