package chaos

import (
	"slices"
	"sync"
	"time"
)

// Stats counts the load's requests per phase (the fault under way, or the baseline before the
// first one). A request belongs to the phase in which it started.
type Stats struct {
	mu       sync.Mutex
	phase    string
	order    []string
	counts   map[string]*Counts
	failures map[string][]failure
}

// failure is one failed request, kept for the checks that look at when requests failed.
type failure struct {
	what       string
	start, end time.Time
	detail     string
}

// maxFailures bounds the failures kept per phase.
const maxFailures = 10000

// Counts are the requests of one phase: answered with status 0, and all others (a non-zero
// status, or no answer).
type Counts struct {
	OK, Failed int
	// Examples are the first few failures, e.g. "GET /douyin/feed/: 10004 ...".
	Examples []string
}

// maxExamples bounds the failures kept per phase.
const maxExamples = 3

// NewStats starts counting in phase.
func NewStats(phase string) *Stats {
	s := &Stats{counts: map[string]*Counts{}, failures: map[string][]failure{}}
	s.SetPhase(phase)
	return s
}

// SetPhase makes name the phase of requests started from now on.
func (s *Stats) SetPhase(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phase = name
	if s.counts[name] == nil {
		s.counts[name] = &Counts{}
		s.order = append(s.order, name)
	}
}

// Phase is the current phase.
func (s *Stats) Phase() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.phase
}

// Record counts one request of phase; what names it in an example of failure.
func (s *Stats) Record(phase, what string, a answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counts[phase]
	if c == nil {
		c = &Counts{}
		s.counts[phase] = c
		s.order = append(s.order, phase)
	}
	if a.ok() {
		c.OK++
		return
	}
	c.Failed++
	if len(s.failures[phase]) < maxFailures {
		s.failures[phase] = append(s.failures[phase], failure{what, a.Start, a.Start.Add(a.Latency), a.describe()})
	}
	if len(c.Examples) < maxExamples {
		c.Examples = append(c.Examples, what+": "+a.describe())
	}
}

// Of returns the counts of one phase.
func (s *Stats) Of(phase string) Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.counts[phase]; c != nil {
		out := *c
		out.Examples = slices.Clone(c.Examples)
		return out
	}
	return Counts{}
}

// Failures returns the failed requests of one phase (the first maxFailures).
func (s *Stats) Failures(phase string) []failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.failures[phase])
}

// Phases lists the phases in the order they began.
func (s *Stats) Phases() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.order)
}
