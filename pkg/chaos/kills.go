package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The repeated kills of an inserting service (comment, message): the race of issue 25, a
// connection lost after the service committed, needs writes inside the service at the moment of
// the kill, and one kill meets it only now and then. So each kill comes while a burst of posts is
// going on back to back, once every poster has had posts acknowledged in a row.
const (
	// repeatedKills is how many times each inserting service is killed in its repeated phase.
	// The supervisor treats exits less than 30 s apart as a crash loop and waits twice as long
	// before each restart (0.2 s, 0.4 s, ... 6.4 s): six kills take about 30 s per service.
	repeatedKills = 6
	// burstPosters post back to back around each kill; every other one without an idempotency
	// key, as the phone sends.
	burstPosters = 8
	// burstSteady is how many posts in a row each poster must have had acknowledged before a
	// kill: then every poster is posting back to back (none waiting to retry a refused post),
	// so that about burstPosters posts are under way at the kill. burstServeLimit bounds the wait.
	burstSteady     = 2
	burstServeLimit = 20 * time.Second
	// killJitter spreads the kill over the burst's posts, so that the kills meet the posts at
	// different points of their way.
	killJitter = 20 * time.Millisecond
)

// killRepeatedly kills an inserting service n times, each time under a burst of posts, with no
// hold: the supervisor restarts it after its own backoff.
func (s *suite) killRepeatedly(name string, n int) fault {
	kind := writesTo[name]
	return fault{
		name: fmt.Sprintf("kill -9 %s ×%d", name, n),
		inject: func(ctx context.Context, r *result) (time.Time, error) {
			r.wantInFlight = true
			var back time.Time
			for i := range n {
				if ctx.Err() != nil {
					return time.Time{}, ctx.Err()
				}
				b := s.newBurst(kind)
				if !b.waitSteady(burstServeLimit) {
					b.stop()
					r.check(fmt.Sprintf("%s takes writes again before kill %d", name, i+1), false,
						"not every poster had %d posts in a row acknowledged within %s", burstSteady, burstServeLimit)
					return time.Time{}, fmt.Errorf("%s did not take writes before kill %d", name, i+1)
				}
				time.Sleep(rand.N(killJitter))
				old, err := s.pid(name)
				if err != nil {
					b.stop()
					return time.Time{}, err
				}
				at := time.Now()
				err = s.stack.KillFor(name, 0)
				if err == nil {
					r.Kills = append(r.Kills, kill{at: at, target: name, kinds: []Kind{kind}})
				}
				b.stop() // the posts under way finish, with their retries
				if err != nil {
					return time.Time{}, err
				}
				if back, err = s.waitBack(ctx, name, old, backLimit); err != nil {
					r.check(name+" restarted by the supervisor after every kill", false, "kill %d: %v", i+1, err)
					return time.Time{}, err
				}
			}
			r.check(name+" restarted by the supervisor after every kill", true, "%d kills, each followed by a ready process", n)
			return back, nil
		},
	}
}

// postBurst posts comments or messages from burstPosters goroutines, back to back, until stopped.
type postBurst struct {
	streak [burstPosters]atomic.Int32 // each poster's posts acknowledged in a row
	quit   chan struct{}
	wg     sync.WaitGroup
}

// newBurst starts the posters; the burst's number makes their texts and keys unique in the run.
func (s *suite) newBurst(kind Kind) *postBurst {
	b := &postBurst{quit: make(chan struct{})}
	tag := fmt.Sprintf("b%d", s.bursts.Add(1))
	for p := range burstPosters {
		b.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-b.quit:
					return
				default:
				}
				text := fmt.Sprintf("chaos %s %s burst %s poster %d post %d", s.run, kind, tag, p, i)
				key := ""
				if p%2 == 0 {
					key = fmt.Sprintf("chaos-%s-%s-%s-%d-%d", s.run, kind, tag, p, i) // at most 64 characters
				}
				if s.load.post(kind, text, s.load.sender(kind, p+i, text, key)).ok() {
					b.streak[p].Add(1)
				} else {
					b.streak[p].Store(0)
				}
			}
		})
	}
	return b
}

// waitSteady waits until every poster had burstSteady posts in a row acknowledged, for at most
// limit.
func (b *postBurst) waitSteady(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		steady := true
		for p := range b.streak {
			steady = steady && b.streak[p].Load() >= burstSteady
		}
		if steady {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop ends the burst once every post under way has its last answer.
func (b *postBurst) stop() {
	close(b.quit)
	b.wg.Wait()
}

// countInFlight fills in r.InFlight: for each kill, the attempts of the killed program's kinds of
// write sent before it and answered after it. Every attempt is in the ledger once the load has
// stopped.
func countInFlight(r *result, writes []Write) {
	r.InFlight = make([]int, len(r.Kills))
	for i, k := range r.Kills {
		for _, w := range writes {
			if !slices.Contains(k.kinds, w.Kind) {
				continue
			}
			for _, a := range w.Attempts {
				if !a.Start.After(k.at) && a.Start.Add(a.Latency).After(k.at) {
					r.InFlight[i]++
				}
			}
		}
	}
}

// inFlightDetail says, for the phases with kills, how many writes each kill caught and what
// became of the writes caught: acknowledged (on a resend or a retry), or left unknown, and how
// many of those unknown are stored (each one a write that the race had reported failed).
func inFlightDetail(r *result, writes []Write, obs Observed) string {
	caught := map[int]bool{}
	for _, k := range r.Kills {
		for _, w := range writes {
			if !slices.Contains(k.kinds, w.Kind) {
				continue
			}
			for _, a := range w.Attempts {
				if !a.Start.After(k.at) && a.Start.Add(a.Latency).After(k.at) {
					caught[w.Seq] = true
				}
			}
		}
	}
	acked, unknown, stored, failed := 0, 0, 0, 0
	for _, w := range writes {
		if !caught[w.Seq] {
			continue
		}
		switch w.Outcome() {
		case Acked:
			acked++
		case Unknown:
			unknown++
			if !w.Kind.stateful() && obs.Rows[w.Kind][w.Key] > 0 {
				stored++
			}
		default:
			failed++
		}
	}
	return fmt.Sprintf("in flight at each kill: %s; of those %d writes, %d acknowledged in the end, %d reported failed, %d unknown (%d of them stored)",
		joinInts(r.InFlight), len(caught), acked, failed, unknown, stored)
}

func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, ", ")
}
