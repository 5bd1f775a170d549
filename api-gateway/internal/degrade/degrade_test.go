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

// Keep keeps every page and notes each failed call once, from parallel calls; the report lists
// them sorted. Without a report it logs the failure itself.
func TestKeepReportsEachFailedCallOnce(t *testing.T) {
	var logs bytes.Buffer
	keep := Keep(slog.New(slog.NewJSONHandler(&logs, nil)))
	ctx, report := Start(context.Background())
	var wg sync.WaitGroup
	for _, call := range []string{"favorite.Stats", "comment.CountComments", "favorite.Stats"} {
		wg.Go(func() {
			if err := keep(ctx, call, errors.New(call+" refused")); err != nil {
				t.Errorf("Keep failed the page: %v", err)
			}
		})
	}
	wg.Wait()
	parts, errs := report.Parts()
	if parts != "comment.CountComments,favorite.Stats" || len(errs) != 2 || logs.Len() != 0 {
		t.Fatalf("report = %q %q, logged %q; want two sorted calls and no log line yet", parts, errs, logs.String())
	}
	if err := keep(context.Background(), "relation.UserStats", errors.New("down")); err != nil ||
		!strings.Contains(logs.String(), "relation.UserStats") {
		t.Fatalf("Keep without a report = %v, logged %q; want nil and a warning", err, logs.String())
	}
	if From(context.Background()) != nil {
		t.Fatal("a context without a report has one")
	}
}
