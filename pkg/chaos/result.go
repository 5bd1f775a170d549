package chaos

import (
	"fmt"
	"time"
)

// Check is one assertion of the suite, with what was seen.
type Check struct {
	Name   string
	OK     bool
	Detail string
}

// result is what one fault (or the whole run, for the final checks) showed.
type result struct {
	Fault     string
	Requests  Counts        // the load's requests started during the fault
	Outage    time.Duration // time the probes saw the stack not serving
	Recovery  time.Duration // from the faulty part's return to the first fully good round
	Recovered bool
	HasTimes  bool // Outage and Recovery were measured (not for the final checks)
	Writes    map[Problem]int
	Checks    []Check
	// Kills are the SIGKILLs of the fault, when it sent any; InFlight[i] counts the writes sent and
	// not yet answered when Kills[i] went (filled in once the load has stopped).
	Kills    []kill
	InFlight []int
	// wantInFlight: the fault promises writes in flight at every kill (checked with the data).
	wantInFlight bool
	// afterLoad are checks that need every request of the run counted (Requests filled in).
	afterLoad []func()
}

// kill is one SIGKILL: when it went and which kinds of write the killed program carries (all
// kinds for a gateway).
type kill struct {
	at     time.Time
	target string
	kinds  []Kind
}

func newResult(fault string) *result {
	return &result{Fault: fault, Writes: map[Problem]int{}}
}

// check records one assertion.
func (r *result) check(name string, ok bool, format string, args ...any) {
	r.Checks = append(r.Checks, Check{Name: name, OK: ok, Detail: fmt.Sprintf(format, args...)})
}

// ok: every check passed and no write of the fault was lost, duplicated or present after failing.
func (r *result) ok() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	for _, n := range r.Writes {
		if n > 0 {
			return false
		}
	}
	return true
}

func (r *result) verdict() string {
	if r.ok() {
		return "ok"
	}
	return "FAILED"
}
