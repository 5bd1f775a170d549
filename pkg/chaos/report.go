package chaos

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// printReport writes every check, then one table row per fault (Markdown, so that the table can
// go into docs/reliability.md as it is).
func printReport(w io.Writer, results []*result) {
	fmt.Fprintln(w, "\nchecks:")
	for _, r := range results {
		for _, c := range r.Checks {
			mark := "ok    "
			if !c.OK {
				mark = "FAILED"
			}
			fmt.Fprintf(w, "  [%s] %s: %s — %s\n", mark, r.Fault, c.Name, c.Detail)
		}
	}
	fmt.Fprintln(w, "\nfirst failed requests of each phase:")
	for _, r := range results {
		for _, e := range r.Requests.Examples {
			fmt.Fprintf(w, "  %s: %s\n", r.Fault, e)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, table(results))
}

// table renders the results as a Markdown table.
func table(results []*result) string {
	var b strings.Builder
	b.WriteString("| fault | ok requests | failed requests | outage s | recovery s | kills | writes in flight at the kills | writes lost | writes duplicated | failed writes present | verdict |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, r := range results {
		outage, recovery := "", ""
		if r.HasTimes {
			outage = seconds(r.Outage)
			recovery = "never"
			if r.Recovered {
				recovery = seconds(r.Recovery)
			}
		}
		requests := [2]string{"", ""}
		if r.Requests.OK+r.Requests.Failed > 0 {
			requests = [2]string{fmt.Sprint(r.Requests.OK), fmt.Sprint(r.Requests.Failed)}
		}
		kills, inFlight := "", ""
		if len(r.Kills) > 0 {
			kills, inFlight = fmt.Sprint(len(r.Kills)), fmt.Sprint(sum(r.InFlight))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %d | %d | %d | %s |\n", r.Fault, requests[0], requests[1],
			outage, recovery, kills, inFlight, r.Writes[ProblemLost], r.Writes[ProblemDuplicated],
			r.Writes[ProblemFailedPresent]+r.Writes[ProblemUnexplained], r.verdict())
	}
	return b.String()
}

func sum(ns []int) int {
	t := 0
	for _, n := range ns {
		t += n
	}
	return t
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f", d.Seconds()) }
