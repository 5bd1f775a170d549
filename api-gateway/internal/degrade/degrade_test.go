package degrade

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// Note records each failed call once, from parallel calls; the report lists them sorted. Without
// a report it logs the failure itself.
func TestNoteReportsEachFailedCallOnce(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	ctx, report := Start(context.Background())
	var wg sync.WaitGroup
	for _, call := range []string{"favorite.Stats", "comment.CountComments", "favorite.Stats"} {
		wg.Go(func() { Note(ctx, log, call, errors.New(call+" refused")) })
	}
	wg.Wait()
	parts, errs := report.Parts()
	if parts != "comment.CountComments,favorite.Stats" || len(errs) != 2 || logs.Len() != 0 {
		t.Fatalf("report = %q %q, logged %q; want two sorted calls and no log line yet", parts, errs, logs.String())
	}
	if Note(context.Background(), log, "relation.UserStats", errors.New("down")); !strings.Contains(logs.String(), "relation.UserStats") {
		t.Fatalf("Note without a report logged %q; want a warning", logs.String())
	}
	if From(context.Background()) != nil {
		t.Fatal("a context without a report has one")
	}
}
