package chaos

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Bounds of the faults and of what the suite accepts.
const (
	// serviceHold keeps a killed service down this long before its supervisor may restart it,
	// so that the pages are seen without it.
	serviceHold = 3 * time.Second
	// backLimit bounds the wait for the supervisor to have a killed program ready again.
	backLimit = 30 * time.Second
	// recoveryBound is the promise: the stack serves again within 5 s of the faulty
	// part's return, without a person.
	recoveryBound = 5 * time.Second
	// recoveryWait is how long the suite looks for the recovery before calling it missing.
	recoveryWait = 20 * time.Second
	// degradeGrace skips the rounds right after a kill, which may have been sent before it.
	degradeGrace = 500 * time.Millisecond
	// fastFail is how fast a write to a service that is down must be refused.
	fastFail = time.Second
	// mariaDown and etcdDown are how long MariaDB and etcd stay away.
	mariaDown = 5 * time.Second
	etcdDown  = 20 * time.Second
	// settle separates one fault's aftermath from the next fault.
	settle = time.Second
	// phaseLead lets the requests started in the previous phase finish before the fault is
	// injected, so that a failure the fault causes is charged to the fault.
	phaseLead = 300 * time.Millisecond
)

// fault is one fault to inject. inject takes the part away, brings it back (or waits for the
// supervisor to) and returns when it is back; after adds the fault's own checks once the stack
// serves again.
type fault struct {
	name   string
	inject func(ctx context.Context, r *result) (back time.Time, err error)
	after  func(ctx context.Context, r *result, samples []sample, injected, back time.Time)
}

// runFault injects f under load with the prober running and measures the outage and recovery.
func (s *suite) runFault(ctx context.Context, f fault) *result {
	r := newResult(f.name)
	r.HasTimes = true
	s.stats.SetPhase(f.name)
	s.printf("fault: %s", f.name)
	p := startProber(s.probes)
	time.Sleep(phaseLead)
	injected := time.Now()
	back, err := f.inject(ctx, r)
	if err != nil {
		r.check("fault injected, part back", false, "%v", err)
		back = time.Now()
	}
	recovered, ok := p.waitOK(back, recoveryWait)
	samples := p.stop()
	end := recovered
	if !ok {
		end = time.Now()
	}
	r.Outage, r.Recovered = outage(samples, injected, end), ok
	if ok {
		r.Recovery = max(recovered.Sub(back), 0)
		r.check("serves again within 5 s of the part's return", r.Recovery <= recoveryBound, "all probes answered %s after the return", r.Recovery.Round(10*time.Millisecond))
	} else {
		last := "no round after the return"
		if n := len(samples); n > 0 {
			last = samples[n-1].describe()
		}
		r.check("serves again within 5 s of the part's return", false, "still failing %s after the return: %s", recoveryWait, last)
	}
	if f.after != nil {
		f.after(ctx, r, samples, injected, back)
	}
	time.Sleep(settle)
	return r
}

// degradedPages are the pages that must keep answering with their videos while a decorating
// service is down: counts and flags come from the last known values or are zero.
var degradedPages = map[string][]string{
	"favorite": {probeFeed, probeVideo},
	"comment":  {probeFeed, probeVideo, probeFavorite},
	"relation": {probeFeed, probeVideo, probeFavorite},
}

// writesTo names the kind of write the load sends to each service.
var writesTo = map[string]Kind{"favorite": KindLike, "relation": KindFollow, "comment": KindComment, "message": KindMessage}

// killService kills one service with SIGKILL and keeps it down for serviceHold; the supervisor
// must then start it again.
func (s *suite) killService(name string) fault {
	return fault{
		name: "kill -9 " + name,
		inject: func(ctx context.Context, r *result) (time.Time, error) {
			return s.killAndWait(ctx, r, name, serviceHold)
		},
		after: func(_ context.Context, r *result, samples []sample, injected, _ time.Time) {
			from, to := injected.Add(degradeGrace), injected.Add(serviceHold)
			if pages := degradedPages[name]; pages != nil {
				rounds, bad, first := held(samples, from, to, pages)
				r.check(fmt.Sprintf("pages degrade: %s answer with videos while %s is down", strings.Join(pages, ", "), name),
					rounds > 0 && bad == 0, "%d of %d rounds failed%s", bad, rounds, firstDetail(first))
			}
			if kind, ok := writesTo[name]; ok {
				s.checkFastFailures(r, kind, name, from, to)
			}
		},
	}
}

// killAndWait kills a program of the stack, asks its supervisor to wait hold before restarting
// it, and returns when the new process is ready.
func (s *suite) killAndWait(ctx context.Context, r *result, name string, hold time.Duration) (time.Time, error) {
	old, err := s.pid(name)
	if err != nil {
		return time.Time{}, err
	}
	at := time.Now()
	if err := s.stack.KillFor(name, hold); err != nil {
		return time.Time{}, err
	}
	killed := time.Now()
	if kinds, ok := carries(name); ok {
		r.Kills = append(r.Kills, kill{at: at, target: name, kinds: kinds})
	}
	back, err := s.waitBack(ctx, name, old, hold+backLimit)
	r.check(name+" restarted by the supervisor", err == nil, "%s", backDetail(back, killed, err))
	return back, err
}

// carries names the kinds of write a program of the stack carries ("comment-2": comments; a
// gateway: every kind), and whether it is a service or a gateway at all.
func carries(name string) ([]Kind, bool) {
	program := strings.TrimSuffix(name, "-2")
	if program == "api-gateway" {
		return []Kind{KindLike, KindFollow, KindComment, KindMessage}, true
	}
	if !slices.Contains(services, program) {
		return nil, false
	}
	if kind, ok := writesTo[program]; ok {
		return []Kind{kind}, true
	}
	return nil, true
}

func backDetail(back, killed time.Time, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("ready again %s after the kill", back.Sub(killed).Round(10*time.Millisecond))
}

func firstDetail(first string) string {
	if first == "" {
		return ""
	}
	return "; first: " + first
}

// checkFastFailures wants every write of kind attempted in [from, to), while its service was
// down, refused within fastFail with 10004 "unavailable".
func (s *suite) checkFastFailures(r *result, kind Kind, service string, from, to time.Time) {
	n, bad, first := 0, 0, ""
	for _, w := range s.ledger.Writes() {
		if w.Kind != kind {
			continue
		}
		for _, a := range w.Attempts {
			if a.Start.Before(from) || !a.Start.Before(to) {
				continue
			}
			n++
			if a.Code != codeUnavailable || a.Latency > fastFail {
				bad++
				if first == "" {
					first = fmt.Sprintf("code %d after %s", a.Code, a.Latency.Round(time.Millisecond))
				}
			}
		}
	}
	r.check(fmt.Sprintf("%s writes to the down %s fail fast with 10004", kind, service), n > 0 && bad == 0,
		"%d of %d attempts were not 10004 within %s%s", bad, n, fastFail, firstDetail(first))
}

// pid is the current process id of a program of the stack.
func (s *suite) pid(name string) (int, error) {
	for _, st := range s.stack.Status() {
		if st.Name == name {
			return st.PID, nil
		}
	}
	return 0, fmt.Errorf("no program %q in the stack", name)
}

// waitBack waits until the program runs as a new, ready process.
func (s *suite) waitBack(ctx context.Context, name string, old int, limit time.Duration) (time.Time, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		for _, st := range s.stack.Status() {
			if st.Name == name && st.PID != old && st.Ready {
				return time.Now(), nil
			}
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return time.Time{}, fmt.Errorf("%s was not running again %s after the kill", name, limit)
}

// killGateway kills the API gateway; the supervisor restarts it at once.
func (s *suite) killGateway() fault {
	return fault{
		name: "kill -9 api-gateway",
		inject: func(ctx context.Context, r *result) (time.Time, error) {
			return s.killAndWait(ctx, r, "api-gateway", 0)
		},
	}
}

// killMariaDB kills the suite's MariaDB, keeps it away for mariaDown and starts it again.
func (s *suite) killMariaDB() fault {
	return fault{
		name: "kill -9 MariaDB 5 s",
		inject: func(ctx context.Context, r *result) (time.Time, error) {
			if err := s.db.kill(); err != nil {
				return time.Time{}, err
			}
			time.Sleep(mariaDown)
			if err := s.db.restart(ctx); err != nil {
				return time.Time{}, err
			}
			return time.Now(), nil
		},
	}
}

// stopEtcd kills etcd and keeps it away for etcdDown: calls must go on from the resolvers' last
// known instances, and the services must register again when it returns.
func (s *suite) stopEtcd() fault {
	return fault{
		name: "stop etcd 20 s",
		inject: func(ctx context.Context, r *result) (time.Time, error) {
			return s.killAndWait(ctx, r, "etcd", etcdDown)
		},
		after: func(_ context.Context, r *result, samples []sample, injected, back time.Time) {
			all := []string{probeUser, probeVideo, probeFavorite, probeComment, probeRelation, probeMessage, probeFeed}
			rounds, bad, first := held(samples, injected, back, all)
			r.check("calls go on while etcd is away", rounds > 0 && bad == 0, "%d of %d rounds failed%s", bad, rounds, firstDetail(first))
		},
	}
}
