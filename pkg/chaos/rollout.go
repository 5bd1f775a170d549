package chaos

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The rollouts run on a stack of two replicas (two instances of each service, two gateways), with
// the load and the prober going through the suite's balancer (balancer.go), as behind a load
// balancer. A rolling restart stops one instance at a time: with SIGTERM no request may fail at
// all; with kill -9 only those in flight at the kill may.
const (
	// rolloutDown is how long a stopped instance stays away before the supervisor starts it again.
	rolloutDown = time.Second
	// rolloutKillHold keeps a killed instance away a little longer: callers find it in etcd
	// until its lease expires, and must pass it over meanwhile.
	rolloutKillHold = 2 * time.Second
	// rolloutBackLimit bounds the wait for an instance stopped with SIGTERM to run again: its
	// graceful stop (up to the supervisor's 10 s before SIGKILL), its hold and its start.
	rolloutBackLimit = 10*time.Second + backLimit
	// drainWatchEvery is how often the suite looks at a stopping gateway's /readyz and listener.
	drainWatchEvery = 10 * time.Millisecond
	// drainWatchLimit bounds that watch.
	drainWatchLimit = 20 * time.Second
)

var allProbes = []string{probeUser, probeVideo, probeFavorite, probeComment, probeRelation, probeMessage, probeFeed}

// rollouts lists the faults of the two-replica stage, filtered by Options.Faults.
func (s *suite) rollouts() []fault {
	return s.pick([]fault{s.terminateServices(), s.terminateGateways(), s.killInstances()})
}

// terminateServices stops one instance of each service with SIGTERM, one after the other, as a
// rolling restart does; each is started again after rolloutDown and is ready before the next.
func (s *suite) terminateServices() fault {
	return fault{
		name: "rollout: SIGTERM one instance of each service",
		inject: func(ctx context.Context, r *result) (time.Time, error) {
			var back time.Time
			for i, svc := range services {
				err := s.underBurst(r, svc, writesTo[svc], func() (err error) {
					back, err = s.terminateAndWait(ctx, r, s.instance(svc, i))
					return err
				})
				if err != nil {
					return time.Time{}, err
				}
			}
			return back, nil
		},
		after: s.noFailure,
	}
}

// terminateGateways stops each gateway with SIGTERM in turn, under a burst of comment posts. Each
// must turn unready on /readyz before its listener closes, by at least the balancer's poll
// interval (so that a load balancer has stopped sending to it by then), and finish every request
// it accepted.
func (s *suite) terminateGateways() fault {
	return fault{
		name: "rollout: SIGTERM each gateway",
		inject: func(ctx context.Context, r *result) (time.Time, error) {
			var back time.Time
			for i, name := range s.stack.Instances("api-gateway") {
				addr := strings.TrimPrefix(s.stack.GatewayURLs()[i], "http://")
				var sent, unready, closed time.Time
				err := s.underBurst(r, name, KindComment, func() (err error) {
					w := watchDrain(s.stack.AdminURL(name)+"/readyz", addr)
					sent = time.Now()
					back, err = s.terminateAndWait(ctx, r, name)
					unready, closed = w.wait()
					return err
				})
				r.check(fmt.Sprintf("%s turns unready on /readyz at least %s (the balancer's poll) before its listener closes", name, balancerPoll),
					!unready.IsZero() && !closed.IsZero() && closed.Sub(unready) >= balancerPoll, "%s", drainDetail(sent, unready, closed))
				if err != nil {
					return time.Time{}, err
				}
			}
			return back, nil
		},
		after: s.noFailure,
	}
}

// killInstances kills one instance of each service with SIGKILL, one after the other (the other
// instance than the SIGTERM rollout stopped). Only requests in flight at a kill may fail.
func (s *suite) killInstances() fault {
	return fault{
		name: "rollout: kill -9 one instance of each service",
		inject: func(ctx context.Context, r *result) (time.Time, error) {
			var back time.Time
			for i, svc := range services {
				err := s.underBurst(r, svc, writesTo[svc], func() (err error) {
					back, err = s.killAndWait(ctx, r, s.instance(svc, i+1), rolloutKillHold)
					return err
				})
				if err != nil {
					return time.Time{}, err
				}
			}
			return back, nil
		},
		after: func(_ context.Context, r *result, samples []sample, injected, back time.Time) {
			rounds, bad, first := 0, 0, ""
			for _, sm := range samples {
				if sm.at.Before(injected) || !sm.at.Before(back) {
					continue
				}
				rounds++
				if !sm.ok() && !inFlightAtKill(r.Kills, sm.at, sm.end) {
					bad++
					if first == "" {
						first = sm.describe()
					}
				}
			}
			r.check("every probe round that failed was under way at a kill", rounds > 0 && bad == 0,
				"%d of %d rounds failed after a kill%s", bad, rounds, firstDetail(first))
			r.afterLoad = append(r.afterLoad, func() {
				failures := s.stats.Failures(r.Fault)
				late, first := 0, ""
				for _, f := range failures {
					if !inFlightAtKill(r.Kills, f.start, f.end) {
						late++
						if first == "" {
							first = fmt.Sprintf("%s, sent %s after the kill before it", f.what+": "+f.detail, sinceKill(r.Kills, f.start))
						}
					}
				}
				r.check("no request started after a kill fails", late == 0,
					"%d of %d requests failed, %d of those not in flight at a kill%s", len(failures), r.Requests.OK+r.Requests.Failed, late, firstDetail(first))
			})
		},
	}
}

// underBurst runs stop (an instance stopped and back) while a burst of posts of kind goes on (a
// kind that is not a post: none): from once the burst is acknowledged until the instance is
// back, so that posts are under way when it stops and go on meanwhile.
func (s *suite) underBurst(r *result, instance string, kind Kind, stop func() error) error {
	if kind != KindComment && kind != KindMessage {
		return stop()
	}
	b := s.newBurst(kind)
	defer b.stop()
	if !b.waitSteady(burstServeLimit) {
		r.check(instance+": a burst of posts is acknowledged before the stop", false,
			"not every poster had %d posts in a row acknowledged within %s", burstSteady, burstServeLimit)
	}
	return stop()
}

// instance names the i-th instance (modulo the replicas) of a service: "comment", "comment-2".
func (s *suite) instance(service string, i int) string {
	names := s.stack.Instances(service)
	return names[i%len(names)]
}

// terminateAndWait sends SIGTERM to a program of the stack, which the supervisor starts again
// rolloutDown later, and returns when the new process is ready.
func (s *suite) terminateAndWait(ctx context.Context, r *result, name string) (time.Time, error) {
	old, err := s.pid(name)
	if err != nil {
		return time.Time{}, err
	}
	if err := s.stack.TerminateFor(name, rolloutDown); err != nil {
		return time.Time{}, err
	}
	sent := time.Now()
	back, err := s.waitBack(ctx, name, old, rolloutBackLimit)
	detail := err
	if err == nil {
		detail = fmt.Errorf("ready again %s after SIGTERM", back.Sub(sent).Round(10*time.Millisecond))
	}
	r.check(name+" stopped and started again", err == nil, "%v", detail)
	return back, err
}

// noFailure wants every probe round from the first stop to the last return answered well; the
// load's requests of the phase are checked once they are all counted.
func (s *suite) noFailure(_ context.Context, r *result, samples []sample, injected, back time.Time) {
	rounds, bad, first := held(samples, injected, back, allProbes)
	r.check("every probe round answers well", rounds > 0 && bad == 0, "%d of %d rounds failed%s", bad, rounds, firstDetail(first))
	r.afterLoad = append(r.afterLoad, func() {
		r.check("no request fails", r.Requests.Failed == 0 && r.Requests.OK > 0, "%d ok, %d failed%s",
			r.Requests.OK, r.Requests.Failed, firstDetail(strings.Join(r.Requests.Examples, "; ")))
	})
}

// inFlightAtKill reports whether a request sent at start and answered at end was under way when
// one of kills went.
func inFlightAtKill(kills []kill, start, end time.Time) bool {
	for _, k := range kills {
		if !start.After(k.at) && end.After(k.at) {
			return true
		}
	}
	return false
}

// sinceKill is how long after the latest kill before t the moment t came.
func sinceKill(kills []kill, t time.Time) time.Duration {
	var last time.Time
	for _, k := range kills {
		if k.at.Before(t) && k.at.After(last) {
			last = k.at
		}
	}
	if last.IsZero() {
		return 0
	}
	return t.Sub(last).Round(time.Millisecond)
}

// drainWatch follows a stopping gateway: when its /readyz first answered 503, and when its public
// listener first refused a connection.
type drainWatch struct {
	mu              sync.Mutex
	unready, closed time.Time
	done            chan struct{}
}

func watchDrain(readyz, addr string) *drainWatch {
	w := &drainWatch{done: make(chan struct{})}
	client := &http.Client{Timeout: 200 * time.Millisecond}
	go func() {
		defer close(w.done)
		deadline := time.Now().Add(drainWatchLimit)
		for time.Now().Before(deadline) {
			if unready, _ := w.get(); unready.IsZero() {
				if resp, err := client.Get(readyz); err == nil {
					resp.Body.Close()
					if resp.StatusCode == http.StatusServiceUnavailable {
						w.set(func() { w.unready = time.Now() })
					}
				}
			}
			if dialRefused(context.Background(), addr) {
				w.set(func() { w.closed = time.Now() })
				return
			}
			time.Sleep(drainWatchEvery)
		}
	}()
	return w
}

func (w *drainWatch) set(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f()
}

func (w *drainWatch) get() (unready, closed time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.unready, w.closed
}

// wait returns what the watch saw, once the listener closed or the watch gave up.
func (w *drainWatch) wait() (unready, closed time.Time) {
	<-w.done
	return w.get()
}

func drainDetail(sent, unready, closed time.Time) string {
	at := func(t time.Time) string {
		if t.IsZero() {
			return "never seen"
		}
		return fmt.Sprintf("%s after SIGTERM", t.Sub(sent).Round(time.Millisecond))
	}
	return fmt.Sprintf("/readyz 503 %s, listener closed %s", at(unready), at(closed))
}
