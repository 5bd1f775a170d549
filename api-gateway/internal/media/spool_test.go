package media

import (
	"errors"
	"strings"
	"testing"
	"time"

	"simpletiktok/pkg/errno"
)

// budgeted is a library whose spool holds at most all bytes, unverified of them written before
// their token was known; a full budget is waited for briefly.
func budgeted(t *testing.T, all, unverified int64) (*Library, string) {
	t.Helper()
	lib, store, _ := newLibrary(t, 8<<20)
	lib.limits.SpoolBytes, lib.limits.UnverifiedBytes = all, unverified
	lib.budget = spoolBudget{all: newBudget(all), unverified: newBudget(unverified), wait: 20 * time.Millisecond}
	return lib, store.Dir()
}

func unknownCaller(*Form) (bool, error) { return false, nil }

// A file that comes before its token may take the budget of the unverified only: past it, the
// upload is refused as busy, nothing is left in the spool, and the budget is free again.
func TestUnverifiedFileStopsAtItsBudget(t *testing.T) {
	lib, dir := budgeted(t, 8<<20, 2<<20)
	big := strings.Repeat("v", 3<<20)
	b, ct := body(t, part{"data", "a.mp4", big}, part{"token", "", "tok"})
	form, err := lib.ReadForm(b, ct, -1, unknownCaller)
	if !errors.Is(err, errno.Busy) || !strings.Contains(err.Error(), "token before the file") || form.File != nil {
		t.Fatalf("ReadForm = %v; want Busy asking for the token first", err)
	}
	if left := files(t, dir); len(left) != 0 {
		t.Fatalf("left %v", left)
	}
	// Within the budget, and again after the refusal: the budget was given back.
	for range 2 {
		b, ct = body(t, part{"data", "a.mp4", big[:2<<20]}, part{"token", "", "tok"})
		form, err = lib.ReadForm(b, ct, -1, unknownCaller)
		if err != nil {
			t.Fatalf("a file of the unverified budget: %v", err)
		}
		form.Discard()
	}
	// A file whose caller is known before it does not draw on the budget of the unverified.
	b, ct = body(t, part{"token", "", "tok"}, part{"data", "a.mp4", big})
	if form, err = lib.ReadForm(b, ct, -1, accept); err != nil {
		t.Fatalf("a verified file larger than the unverified budget: %v", err)
	}
	form.Discard()
}

// Spool files held (uploads being probed) count against the whole budget until they go.
func TestSpoolBudgetCoversFilesHeld(t *testing.T) {
	lib, _ := budgeted(t, 2<<20, 2<<20)
	b, ct := body(t, part{"token", "", "tok"}, part{"data", "a.mp4", strings.Repeat("v", 1<<20)})
	held, err := lib.ReadForm(b, ct, -1, accept)
	if err != nil {
		t.Fatal(err)
	}
	second := func() error {
		b, ct := body(t, part{"token", "", "tok"}, part{"data", "b.mp4", strings.Repeat("w", 1<<20+1)})
		form, err := lib.ReadForm(b, ct, -1, accept)
		form.Discard()
		return err
	}
	if err := second(); !errors.Is(err, errno.Busy) {
		t.Fatalf("an upload past the spool budget: %v; want Busy", err)
	}
	held.Discard()
	if err := second(); err != nil {
		t.Fatalf("once the first upload's file is gone: %v", err)
	}
}
