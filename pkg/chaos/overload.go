package chaos

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"time"
)

const (
	// overloadFor is how long the burst lasts: short, on a shared machine.
	overloadFor = 4 * time.Second
	// busyFast bounds the 99th percentile of the "busy" answers: a refusal must not queue.
	busyFast = 500 * time.Millisecond
)

// burstStats sorts the answers of the burst.
type burstStats struct {
	ok, busy, other, noAnswer int
	busyLatency, okLatency    []time.Duration
	firstOther                string
}

func (b *burstStats) add(a answer) {
	switch {
	case a.Err != nil:
		b.noAnswer++
		b.noteOther(a)
	case a.Code == 0:
		b.ok++
		b.okLatency = append(b.okLatency, a.Latency)
	case a.Code == codeBusy:
		b.busy++
		b.busyLatency = append(b.busyLatency, a.Latency)
	default:
		b.other++
		b.noteOther(a)
	}
}

func (b *burstStats) noteOther(a answer) {
	if b.firstOther == "" {
		b.firstOther = a.describe()
	}
}

func (b *burstStats) merge(o burstStats) {
	b.ok += o.ok
	b.busy += o.busy
	b.other += o.other
	b.noAnswer += o.noAnswer
	b.busyLatency = append(b.busyLatency, o.busyLatency...)
	b.okLatency = append(b.okLatency, o.okLatency...)
	if b.firstOther == "" {
		b.firstOther = o.firstOther
	}
}

// percentile returns the p-th percentile (0 < p <= 100) of ds; 0 for none.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// burst has conns clients ask for the logged-in feed, the costliest page, back to back for d.
func burst(base string, w *world, conns int, d time.Duration) burstStats {
	a := newAPI(base, 10*time.Second, conns)
	deadline := time.Now().Add(d)
	var mu sync.Mutex
	var total burstStats
	var wg sync.WaitGroup
	for c := range conns {
		wg.Go(func() {
			var mine burstStats
			q := url.Values{"token": {w.users[c%len(w.users)].Token}}
			for time.Now().Before(deadline) {
				mine.add(a.get(context.Background(), "/douyin/feed/", q))
			}
			mu.Lock()
			total.merge(mine)
			mu.Unlock()
		})
	}
	wg.Wait()
	return total
}

// overload sends many times what the gateway can serve at once. Answers beyond its capacity
// must be fast "busy" answers, everything else must succeed, and no process may fall over.
func (s *suite) overload() fault {
	var (
		st     burstStats
		before int
	)
	return fault{
		name: fmt.Sprintf("overload: %d connections, cap %d, %s", s.opts.OverloadConns, s.opts.MaxInFlight, overloadFor),
		inject: func(ctx context.Context, r *result) (time.Time, error) {
			before = len(s.stack.Failures())
			st = burst(s.api.base, s.w, s.opts.OverloadConns, overloadFor)
			return time.Now(), nil
		},
		after: func(ctx context.Context, r *result, _ []sample, _, _ time.Time) {
			total := st.ok + st.busy + st.other + st.noAnswer
			r.check("overload is answered busy (10008)", st.busy > 0, "%d ok, %d busy of %d answers", st.ok, st.busy, total)
			r.check("busy answers are fast", st.busy > 0 && percentile(st.busyLatency, 99) <= busyFast,
				"busy p50 %s, p99 %s (bound %s); ok p50 %s, p99 %s",
				ms(percentile(st.busyLatency, 50)), ms(percentile(st.busyLatency, 99)), busyFast,
				ms(percentile(st.okLatency, 50)), ms(percentile(st.okLatency, 99)))
			r.check("every other answer succeeds", st.other == 0 && st.noAnswer == 0,
				"%d other codes, %d without answer%s", st.other, st.noAnswer, firstDetail(st.firstOther))
			failures := s.stack.Failures()[before:]
			dbErr := s.db.ping(ctx)
			detail := "no process exited; MariaDB answers"
			if len(failures) > 0 {
				detail = fmt.Sprintf("%d process exit(s), first: %s %s", len(failures), failures[0].Name, failures[0].Reason)
			} else if dbErr != nil {
				detail = fmt.Sprintf("MariaDB does not answer: %v", dbErr)
			}
			r.check("the stack stays up", len(failures) == 0 && dbErr == nil, "%s", detail)
		},
	}
}

func ms(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
