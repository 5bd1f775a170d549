package chaos

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// The final checks, once the load has stopped and the writes have settled: the database against
// the ledger, and the stack's logs.

// checkData compares the ledger with the database, charging each finding to its phase.
func (s *suite) checkData(ctx context.Context, final *result, results []*result) {
	obs, err := s.observe(ctx)
	if err != nil {
		final.check("the database can be read", false, "%v", err)
		return
	}
	writes := s.ledger.Writes()
	findings := Verify(writes, obs)
	byPhase := map[string]*result{}
	for _, r := range results {
		byPhase[r.Fault] = r
	}
	for _, f := range findings {
		r := byPhase[f.Phase]
		if r == nil {
			r = final // the seeding, or a row no write explains
		}
		r.Writes[f.Problem]++
	}
	counts, answered10010 := map[Outcome]int{}, 0
	for _, w := range writes {
		counts[w.Outcome()]++
		for _, a := range w.Attempts {
			if a.Code == codeOutcomeUnknown {
				answered10010++
			}
		}
	}
	for _, r := range results {
		if len(r.Kills) == 0 {
			continue
		}
		caught := 0
		for _, n := range r.InFlight {
			caught += min(n, 1)
		}
		detail := inFlightDetail(r, writes, obs)
		if r.wantInFlight {
			r.check("writes in flight at every kill", caught == len(r.Kills), "%s", detail)
		} else {
			r.check("writes in flight at the kills (for the record)", true, "%s", detail)
		}
	}
	detail := fmt.Sprintf("%d writes: %d acknowledged, %d reported failed, %d unknown; %d attempts answered 10010",
		len(writes), counts[Acked], counts[Failed], counts[Unknown], answered10010)
	for i, f := range findings {
		if i == 5 {
			detail += fmt.Sprintf("\n      ... and %d more", len(findings)-5)
			break
		}
		detail += "\n      " + f.String()
	}
	final.check("no acknowledged write lost or duplicated, no failed write present", len(findings) == 0, "%s", detail)
	s.checkCounters(ctx, final)
}

// checkLogs wants no "Too many connections" in any log of the stack: the pools must fit within
// the server's max_connections at any load.
func (s *suite) checkLogs(final *result) {
	var logs []string
	for _, dir := range s.logDirs {
		found, _ := filepath.Glob(filepath.Join(dir, "*.log"))
		logs = append(logs, found...)
	}
	hits := map[string]int{}
	for _, path := range logs {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			if bytes.Contains(sc.Bytes(), []byte("Too many connections")) || bytes.Contains(sc.Bytes(), []byte("Error 1040")) {
				hits[filepath.Join(filepath.Base(filepath.Dir(filepath.Dir(path))), filepath.Base(path))]++
			}
		}
		f.Close()
	}
	detail := "none"
	if len(hits) > 0 {
		detail = fmt.Sprint(hits)
	}
	final.check(`no "Too many connections" in the stack's logs`, len(hits) == 0, "%s", detail)
}
