package chaos

import (
	"strings"
	"testing"
	"time"
)

// write builds a ledger entry with one attempt per outcome given.
func write(seq int, kind Kind, key string, present bool, phase string, outcomes ...Outcome) Write {
	w := Write{Seq: seq, Kind: kind, Key: key, Present: present || !kind.stateful(), Phase: phase}
	for _, o := range outcomes {
		code := int64(-1)
		switch o {
		case Acked:
			code = 0
		case Failed:
			code = codeTimedOut
		}
		w.Attempts = append(w.Attempts, Attempt{Start: time.Unix(int64(seq), 0), Code: code, Outcome: o, Phase: phase})
	}
	return w
}

func TestWriteOutcome(t *testing.T) {
	cases := []struct {
		name     string
		attempts []Outcome
		want     Outcome
	}{
		{"never sent", nil, Unknown},
		{"acknowledged at once", []Outcome{Acked}, Acked},
		{"failed, then acknowledged on retry", []Outcome{Failed, Acked}, Acked},
		{"no answer, then acknowledged", []Outcome{Unknown, Acked}, Acked},
		{"failed every time", []Outcome{Failed, Failed}, Failed},
		{"failed, then no answer", []Outcome{Failed, Unknown}, Unknown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := write(0, KindComment, "x", true, "p", c.attempts...).Outcome(); got != c.want {
				t.Fatalf("Outcome() = %s, want %s", got, c.want)
			}
		})
	}
}

// TestOutcomeUnknownIsUnknown: 10010 says the write may have been carried out. It counts as no
// answer, never as reported failed, and the rules stay as strict: at most one row, never two.
func TestOutcomeUnknownIsUnknown(t *testing.T) {
	for _, c := range []struct {
		ans  answer
		want Outcome
	}{
		{answer{Code: 0}, Acked},
		{answer{Code: codeOutcomeUnknown, Msg: "no answer came in time"}, Unknown},
		{answer{Code: -1, Err: errNoContractAnswer}, Unknown},
		{answer{Code: codeUnavailable}, Failed},
		{answer{Code: codeTimedOut}, Failed},
		{answer{Code: codeInternal}, Failed},
	} {
		if got := attemptOf(c.ans, "p").Outcome; got != c.want {
			t.Errorf("code %d: outcome %s, want %s", c.ans.Code, got, c.want)
		}
	}
	const text = "chaos r1 message 9"
	sent := func(codes ...int64) Write {
		w := Write{Kind: KindMessage, Key: text, Present: true, Phase: "kill -9 message"}
		for _, code := range codes {
			w.Attempts = append(w.Attempts, attemptOf(answer{Code: code}, w.Phase))
		}
		return w
	}
	cases := []struct {
		name string
		w    Write
		rows int
		want Problem
	}{
		{"10010 three times, stored", sent(codeOutcomeUnknown, codeOutcomeUnknown, codeOutcomeUnknown), 1, ""},
		{"10010 three times, not stored", sent(codeOutcomeUnknown, codeOutcomeUnknown, codeOutcomeUnknown), 0, ""},
		{"10010 three times, stored twice", sent(codeOutcomeUnknown, codeOutcomeUnknown, codeOutcomeUnknown), 2, ProblemDuplicated},
		{"10010, then 10004, stored", sent(codeOutcomeUnknown, codeUnavailable), 1, ""},
		{"10004 three times, stored", sent(codeUnavailable, codeUnavailable, codeUnavailable), 1, ProblemFailedPresent},
		{"10010, then acknowledged, not stored", sent(codeOutcomeUnknown, 0), 0, ProblemLost},
		{"10010, then acknowledged, stored twice", sent(codeOutcomeUnknown, 0), 2, ProblemDuplicated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obs := Observed{Rows: map[Kind]map[string]int{KindMessage: {text: c.rows}}}
			got := Verify([]Write{c.w}, obs)
			checkFindings(t, got, c.want)
			if c.want == ProblemFailedPresent && !strings.Contains(got[0].Detail, "10004, then 10004") {
				t.Errorf("detail %q does not say what the attempts were answered", got[0].Detail)
			}
		})
	}
	// A like whose unlike was answered 10010: either state is right.
	for _, present := range []bool{true, false} {
		ws := []Write{write(0, KindLike, "3:7", true, "a", Acked), {Seq: 1, Kind: KindLike, Key: "3:7", Phase: "b",
			Attempts: []Attempt{attemptOf(answer{Code: codeOutcomeUnknown}, "b")}}}
		checkFindings(t, Verify(ws, Observed{Present: map[Kind]map[string]bool{KindLike: {"3:7": present}}}), "")
	}
}

func TestVerifyState(t *testing.T) {
	const key = "3:7"
	cases := []struct {
		name    string
		writes  []Write
		present bool
		want    Problem // "" = no finding
	}{
		{"acknowledged like is present", []Write{write(0, KindLike, key, true, "a", Acked)}, true, ""},
		{"acknowledged like is missing", []Write{write(0, KindLike, key, true, "a", Acked)}, false, ProblemLost},
		{"acknowledged unlike after a like", []Write{
			write(0, KindLike, key, true, "a", Acked), write(1, KindLike, key, false, "b", Acked)}, false, ""},
		{"a failed unlike leaves the like", []Write{
			write(0, KindLike, key, true, "a", Acked), write(1, KindLike, key, false, "b", Failed)}, true, ""},
		{"a failed unlike that took effect", []Write{
			write(0, KindLike, key, true, "a", Acked), write(1, KindLike, key, false, "b", Failed)}, false, ProblemFailedPresent},
		{"an unlike without answer may have taken effect", []Write{
			write(0, KindLike, key, true, "a", Acked), write(1, KindLike, key, false, "b", Unknown)}, false, ""},
		{"an unlike without answer may not have", []Write{
			write(0, KindLike, key, true, "a", Acked), write(1, KindLike, key, false, "b", Unknown)}, true, ""},
		{"a failed like that never was acknowledged, present", []Write{
			write(0, KindFollow, key, true, "a", Failed)}, true, ProblemFailedPresent},
		{"a failed like, absent", []Write{write(0, KindFollow, key, true, "a", Failed)}, false, ""},
		{"a failed like committed after a later acknowledged unlike", []Write{
			write(0, KindLike, key, true, "a", Failed), write(1, KindLike, key, false, "b", Acked)}, true, ProblemLost},
		{"an acknowledged unlike, yet present", []Write{write(0, KindLike, key, false, "a", Acked)}, true, ProblemLost},
		{"present with only a failed unlike written", []Write{write(0, KindLike, key, false, "a", Failed)}, true, ProblemUnexplained},
		{"retried until acknowledged", []Write{
			write(0, KindFollow, key, true, "a", Failed, Unknown, Acked)}, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kind := c.writes[0].Kind
			obs := Observed{Present: map[Kind]map[string]bool{kind: {key: c.present}}}
			got := Verify(c.writes, obs)
			checkFindings(t, got, c.want)
		})
	}
}

func TestVerifyRows(t *testing.T) {
	const text = "chaos r1 comment 5"
	cases := []struct {
		name string
		w    Write
		rows int
		want Problem
	}{
		{"acknowledged, one row", write(0, KindComment, text, true, "a", Acked), 1, ""},
		{"acknowledged, no row", write(0, KindComment, text, true, "a", Acked), 0, ProblemLost},
		{"acknowledged, two rows", write(0, KindComment, text, true, "a", Acked), 2, ProblemDuplicated},
		{"timed out then acknowledged on retry, two rows", write(0, KindComment, text, true, "a", Failed, Acked), 2, ProblemDuplicated},
		{"timed out then acknowledged on retry, one row", write(0, KindComment, text, true, "a", Failed, Acked), 1, ""},
		{"reported failed, no row", write(0, KindMessage, text, true, "a", Failed), 0, ""},
		{"reported failed, one row", write(0, KindMessage, text, true, "a", Failed), 1, ProblemFailedPresent},
		{"unknown, no row", write(0, KindMessage, text, true, "a", Unknown), 0, ""},
		{"unknown, one row", write(0, KindMessage, text, true, "a", Unknown), 1, ""},
		{"unknown, two rows", write(0, KindMessage, text, true, "a", Unknown), 2, ProblemDuplicated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obs := Observed{Rows: map[Kind]map[string]int{c.w.Kind: {text: c.rows}}}
			checkFindings(t, Verify([]Write{c.w}, obs), c.want)
		})
	}
}

func TestVerifyFindsRowsNoWriteExplains(t *testing.T) {
	writes := []Write{write(0, KindComment, "known", true, "a", Acked), write(1, KindLike, "1:2", true, "a", Acked)}
	obs := Observed{
		Rows:    map[Kind]map[string]int{KindComment: {"known": 1, "stranger": 1}},
		Present: map[Kind]map[string]bool{KindLike: {"1:2": true, "9:9": true, "8:8": false}},
	}
	got := Verify(writes, obs)
	if len(got) != 2 {
		t.Fatalf("findings = %v, want the comment \"stranger\" and the like 9:9", got)
	}
	for _, f := range got {
		if f.Problem != ProblemUnexplained || (f.Key != "stranger" && f.Key != "9:9") {
			t.Fatalf("unexpected finding %v", f)
		}
	}
}

func TestTallyCountsPerPhase(t *testing.T) {
	findings := []Finding{
		{Problem: ProblemLost, Phase: "kill favorite"},
		{Problem: ProblemLost, Phase: "kill favorite"},
		{Problem: ProblemDuplicated, Phase: "lock comments"},
	}
	got := Tally(findings)
	if got["kill favorite"][ProblemLost] != 2 || got["lock comments"][ProblemDuplicated] != 1 || got["lock comments"][ProblemLost] != 0 {
		t.Fatalf("Tally = %v", got)
	}
}

func TestLedgerKeepsOrderAndAttempts(t *testing.T) {
	var l Ledger
	a := l.Begin(KindLike, "1:2", true, "seed")
	b := l.Begin(KindComment, "hello", false, "kill comment")
	l.Record(b, Attempt{Code: codeTimedOut, Outcome: Failed})
	l.Record(a, Attempt{Code: 0, Outcome: Acked})
	l.Record(b, Attempt{Code: 0, Outcome: Acked})
	got := l.Writes()
	if len(got) != 2 || got[0].Key != "1:2" || got[1].Key != "hello" {
		t.Fatalf("writes = %+v", got)
	}
	if !got[1].Present {
		t.Fatal("an insert is recorded as asking for its row to be present")
	}
	if len(got[1].Attempts) != 2 || got[1].Outcome() != Acked || got[0].Outcome() != Acked {
		t.Fatalf("attempts not kept: %+v", got[1])
	}
	// The copy is a snapshot: later attempts do not change it.
	l.Record(a, Attempt{Outcome: Failed})
	if len(got[0].Attempts) != 1 {
		t.Fatal("Writes returned a view, not a copy")
	}
}

func checkFindings(t *testing.T, got []Finding, want Problem) {
	t.Helper()
	if want == "" {
		if len(got) != 0 {
			t.Fatalf("findings = %v, want none", got)
		}
		return
	}
	if len(got) != 1 || got[0].Problem != want {
		t.Fatalf("findings = %v, want one %q", got, want)
	}
}
