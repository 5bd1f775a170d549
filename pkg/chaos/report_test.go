package chaos

import (
	"strings"
	"testing"
	"time"
)

func TestVerdictNeedsEveryCheckAndNoBadWrite(t *testing.T) {
	r := newResult("kill -9 favorite")
	r.check("restarted", true, "")
	if !r.ok() {
		t.Fatal("a result with passing checks and no bad write is not ok")
	}
	r.Writes[ProblemDuplicated] = 1
	if r.ok() {
		t.Fatal("a duplicated write did not fail the fault")
	}
	r = newResult("stop etcd 20 s")
	r.check("calls go on while etcd is away", false, "3 of 80 rounds failed")
	if r.ok() || r.verdict() != "FAILED" {
		t.Fatal("a failed check did not fail the fault")
	}
}

func TestTableRowPerFault(t *testing.T) {
	r := newResult("kill -9 MariaDB 5 s")
	r.HasTimes, r.Recovered = true, true
	r.Outage, r.Recovery = 5300*time.Millisecond, 400*time.Millisecond
	r.Requests = Counts{OK: 120, Failed: 80}
	r.Writes[ProblemLost] = 2
	never := newResult("stop etcd 20 s")
	never.HasTimes = true
	final := newResult("final checks")
	repeated := newResult("kill -9 comment ×3")
	repeated.HasTimes, repeated.Recovered = true, true
	repeated.Kills = make([]kill, 3)
	repeated.InFlight = []int{7, 9, 8}
	got := table([]*result{r, never, repeated, final})
	for _, want := range []string{
		"| kill -9 MariaDB 5 s | 120 | 80 | 5.3 | 0.4 |  |  | 2 | 0 | 0 | FAILED |",
		"| stop etcd 20 s |  |  | 0.0 | never |  |  | 0 | 0 | 0 | ok |",
		"| kill -9 comment ×3 |  |  | 0.0 | 0.0 | 3 | 24 | 0 | 0 | 0 | ok |",
		"| final checks |  |  |  |  |  |  | 0 | 0 | 0 | ok |",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("table lacks the row %q:\n%s", want, got)
		}
	}
}

func TestStatsChargeRequestsToTheirPhase(t *testing.T) {
	s := NewStats("baseline")
	s.Record("baseline", "feed", answer{Code: 0})
	s.SetPhase("kill -9 comment")
	s.Record(s.Phase(), "comment list", answer{Code: codeUnavailable, Msg: "unavailable"})
	s.Record("baseline", "like", answer{Code: 0})
	if got := s.Of("baseline"); got.OK != 2 || got.Failed != 0 {
		t.Fatalf("baseline = %+v", got)
	}
	got := s.Of("kill -9 comment")
	if got.Failed != 1 || len(got.Examples) != 1 || !strings.HasPrefix(got.Examples[0], "comment list: 10004") {
		t.Fatalf("fault = %+v", got)
	}
	if p := s.Phases(); len(p) != 2 || p[1] != "kill -9 comment" {
		t.Fatalf("phases = %v", p)
	}
}
