package cachetest

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

// failure is what a fatal call of recorder panics with, so that Race stops there as under a test.
type failure struct{ msg string }

// recorder is a testing.TB whose Fatalf records the message and ends Race.
type recorder struct{ testing.TB }

func (recorder) Helper() {}
func (recorder) Fatalf(format string, args ...any) {
	panic(failure{fmt.Sprintf(format, args...)})
}

// race runs c.Race under a recorder and returns its failure, "" when it passed.
func race(c *Cache, read func(int), writers int, write func(int) error) (msg string) {
	defer func() {
		if f, ok := recover().(failure); ok {
			msg = f.msg
		}
	}()
	c.Race(recorder{}, 3, read, writers, write)
	return ""
}

func TestRaceReadsWhileTheWritersRun(t *testing.T) {
	c := &Cache{Counts: &Counts{}}
	var reads, writes atomic.Int64
	read := func(r int) {
		if r < 0 || r >= 3 {
			t.Errorf("reader %d of 3", r)
		}
		reads.Add(1)
		c.Counts.Hit()
	}
	var seen [4]atomic.Bool
	write := func(w int) error {
		seen[w].Store(true)
		// A writer returns only once the readers have read: they run while it writes.
		for reads.Load() < 10 {
		}
		writes.Add(1)
		return nil
	}
	if msg := race(c, read, 4, write); msg != "" {
		t.Fatalf("Race failed: %s", msg)
	}
	for w := range seen {
		if !seen[w].Load() {
			t.Fatalf("writer %d never ran", w)
		}
	}
	after := reads.Load()
	if writes.Load() != 4 || after < 10 {
		t.Fatalf("%d writes, %d reads", writes.Load(), after)
	}
	// The readers have stopped by the time Race returns.
	for range 1000 {
		if reads.Load() != after {
			t.Fatal("a reader still runs after Race returned")
		}
	}
}

func TestRaceFails(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hit   bool
		err   error
		wants string
	}{
		{"a writer's error", true, errors.New("round 3: stale count"), "writer 1: round 3: stale count"},
		{"a cache never hit", false, nil, "the test did not race the cache"},
	} {
		c := &Cache{Counts: &Counts{}}
		read := func(int) {
			if tc.hit {
				c.Counts.Hit()
			}
		}
		write := func(w int) error {
			if w == 1 {
				return tc.err
			}
			return nil
		}
		if msg := race(c, read, 2, write); !strings.Contains(msg, tc.wants) {
			t.Errorf("%s: Race failed with %q; want %q", tc.name, msg, tc.wants)
		}
	}
}
