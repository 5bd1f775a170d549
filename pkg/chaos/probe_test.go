package chaos

import (
	"testing"
	"time"
)

// rounds builds samples every 250 ms from t0, each taking 50 ms; bad[i] names the probes that
// failed in round i.
func rounds(t0 time.Time, bad ...[]string) []sample {
	var out []sample
	for i, names := range bad {
		s := sample{at: t0.Add(time.Duration(i) * 250 * time.Millisecond), failed: map[string]string{}}
		s.end = s.at.Add(50 * time.Millisecond)
		for _, n := range names {
			s.failed[n] = "10004"
		}
		out = append(out, s)
	}
	return out
}

func TestOutageSumsTheFailedRounds(t *testing.T) {
	t0 := time.Unix(1000, 0)
	down := []string{probeFavorite}
	s := rounds(t0, nil, down, down, nil, down, nil)
	if got := outage(s, t0, t0.Add(2*time.Second)); got != 750*time.Millisecond {
		t.Fatalf("outage = %s, want 750ms (three failed rounds of 250 ms)", got)
	}
	// Only rounds started in the window count, and the last one is cut at its end.
	if got := outage(s, t0.Add(300*time.Millisecond), t0.Add(600*time.Millisecond)); got != 100*time.Millisecond {
		t.Fatalf("outage in a window = %s, want 100ms (the round at 500 ms, cut at 600 ms)", got)
	}
	if got := outage(rounds(t0, nil, nil), t0, t0.Add(time.Second)); got != 0 {
		t.Fatalf("outage without failures = %s", got)
	}
}

func TestFirstOKIgnoresRoundsBeforeTheReturn(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := rounds(t0, nil, []string{probeUser}, nil, nil)
	at, ok := firstOK(s, t0.Add(100*time.Millisecond))
	if !ok || !at.Equal(t0.Add(550*time.Millisecond)) {
		t.Fatalf("firstOK = %v %v, want the end of round 2 (t0+550ms)", at, ok)
	}
	if _, ok := firstOK(s, t0.Add(time.Second)); ok {
		t.Fatal("firstOK found a round that started before since")
	}
}

func TestHeldChecksOnlyTheNamedProbes(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := rounds(t0, []string{probeFavorite}, []string{probeFavorite}, []string{probeFavorite, probeFeed}, nil)
	n, bad, first := held(s, t0, t0.Add(time.Second), []string{probeFeed, probeVideo})
	if n != 4 || bad != 1 || first == "" {
		t.Fatalf("held = %d rounds, %d bad, first %q; want 4, 1 and a description", n, bad, first)
	}
	if n, bad, _ := held(s, t0, t0.Add(time.Second), []string{probeVideo}); n != 4 || bad != 0 {
		t.Fatalf("held(video) = %d rounds, %d bad; want 4, 0", n, bad)
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(ds, 50); p != 50*time.Millisecond {
		t.Fatalf("p50 = %s", p)
	}
	if p := percentile(ds, 99); p != 99*time.Millisecond {
		t.Fatalf("p99 = %s", p)
	}
	if p := percentile(nil, 99); p != 0 {
		t.Fatalf("p99 of nothing = %s", p)
	}
	if ds[0] != 100*time.Millisecond {
		t.Fatal("percentile sorted its argument in place")
	}
}
