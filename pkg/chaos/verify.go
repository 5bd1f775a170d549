package chaos

import (
	"fmt"
	"sort"
)

// Observed is what the database holds at the end, in the ledger's terms.
type Observed struct {
	// Present lists, per stateful kind, the keys present (a like "user:video", an active follow
	// "follower:followee").
	Present map[Kind]map[string]bool
	// Rows counts, per inserting kind, the rows holding each text.
	Rows map[Kind]map[string]int
}

// Problem is a way the database can disagree with what the clients were told.
type Problem string

const (
	ProblemLost          Problem = "acknowledged write lost"
	ProblemDuplicated    Problem = "write duplicated"
	ProblemFailedPresent Problem = "write reported failed is present"
	ProblemUnexplained   Problem = "row that no write explains"
)

// Finding is one disagreement, attributed to the phase of the write that explains it.
type Finding struct {
	Problem Problem
	Kind    Kind
	Key     string
	Phase   string
	Detail  string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s: %s %s (phase %s): %s", f.Problem, f.Kind, f.Key, f.Phase, f.Detail)
}

type writeKey struct {
	kind Kind
	key  string
}

// Verify compares the ledger with the database. Every key starts absent (the suite's database
// starts empty and every write, seeding included, is in the ledger).
func Verify(writes []Write, obs Observed) []Finding {
	groups := map[writeKey][]Write{}
	var order []writeKey
	for _, w := range writes {
		k := writeKey{w.Kind, w.Key}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], w)
	}
	var out []Finding
	for _, k := range order {
		if k.kind.stateful() {
			out = append(out, verifyState(k, groups[k], obs.Present[k.kind][k.key])...)
		} else {
			out = append(out, verifyRows(k, groups[k], obs.Rows[k.kind][k.key])...)
		}
	}
	out = append(out, unexplained(groups, obs)...)
	return out
}

// verifyState checks one key set by a sequence of writes sent one after the other. The key must
// be in the state of the last acknowledged write, or in the state asked by a later write whose
// outcome is unknown. Any other state is explained, if at all, by a later write reported failed
// (it took effect) or else means the acknowledged write was lost.
func verifyState(k writeKey, ws []Write, present bool) []Finding {
	last := -1
	for i, w := range ws {
		if w.Outcome() == Acked {
			last = i
		}
	}
	expected := false
	if last >= 0 {
		expected = ws[last].Present
	}
	if present == expected {
		return nil
	}
	for _, w := range ws[last+1:] {
		if w.Outcome() == Unknown && w.Present == present {
			return nil
		}
	}
	state := map[bool]string{true: "present", false: "absent"}
	for i := len(ws) - 1; i > last; i-- {
		if ws[i].Outcome() == Failed && ws[i].Present == present {
			return []Finding{{ProblemFailedPresent, k.kind, k.key, ws[i].Phase,
				fmt.Sprintf("the key is %s, as write #%d asked; it was answered %s", state[present], ws[i].Seq, codes(ws[i]))}}
		}
	}
	if last < 0 {
		return []Finding{{ProblemUnexplained, k.kind, k.key, ws[0].Phase,
			fmt.Sprintf("the key is %s but no write asking for that was acknowledged or left unknown", state[present])}}
	}
	return []Finding{{ProblemLost, k.kind, k.key, ws[last].Phase,
		fmt.Sprintf("write #%d made it %s and was acknowledged; the database has it %s", ws[last].Seq, state[expected], state[present])}}
}

// verifyRows checks the rows of one text: one per acknowledged write, none per failed one, at
// most one per unknown one.
func verifyRows(k writeKey, ws []Write, rows int) []Finding {
	acked, unknown := 0, 0
	for _, w := range ws {
		switch w.Outcome() {
		case Acked:
			acked++
		case Unknown:
			unknown++
		}
	}
	first := ws[0]
	switch {
	case rows > len(ws):
		return []Finding{{ProblemDuplicated, k.kind, k.key, first.Phase,
			fmt.Sprintf("%d rows for %d write(s), answered %s", rows, len(ws), codes(first))}}
	case rows < acked:
		return []Finding{{ProblemLost, k.kind, k.key, first.Phase,
			fmt.Sprintf("%d rows for %d acknowledged write(s)", rows, acked)}}
	case rows > acked+unknown:
		return []Finding{{ProblemFailedPresent, k.kind, k.key, first.Phase,
			fmt.Sprintf("%d row(s); the write was answered %s", rows, codes(first))}}
	}
	return nil
}

// unexplained lists keys present in the database that no write of the ledger names.
func unexplained(groups map[writeKey][]Write, obs Observed) []Finding {
	var out []Finding
	for kind, keys := range obs.Present {
		for key, present := range keys {
			if _, known := groups[writeKey{kind, key}]; present && !known {
				out = append(out, Finding{ProblemUnexplained, kind, key, "", "present, and no write asked for it"})
			}
		}
	}
	for kind, texts := range obs.Rows {
		for text, n := range texts {
			if _, known := groups[writeKey{kind, text}]; n > 0 && !known {
				out = append(out, Finding{ProblemUnexplained, kind, text, "", fmt.Sprintf("%d row(s), and no write sent this text", n)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// codes lists what each attempt of w was answered, e.g. "10007, then 10010, then no answer".
func codes(w Write) string {
	s := ""
	for i, a := range w.Attempts {
		if i > 0 {
			s += ", then "
		}
		if a.Code < 0 {
			s += "no answer"
		} else {
			s += fmt.Sprint(a.Code)
		}
	}
	if s == "" {
		return "nothing (never sent)"
	}
	return s
}

// Tally counts the findings per phase and problem.
func Tally(findings []Finding) map[string]map[Problem]int {
	out := map[string]map[Problem]int{}
	for _, f := range findings {
		if out[f.Phase] == nil {
			out[f.Phase] = map[Problem]int{}
		}
		out[f.Phase][f.Problem]++
	}
	return out
}
