//go:build integration

package outcome

import (
	"testing"
	"time"

	"simpletiktok/api-gateway/e2e/e2etest"
)

// outcomeUnknown (errno.OutcomeUnknown) tells the phone its write reached the service, or may
// have, and no answer came back: it may have been carried out.
const outcomeUnknown = 10010

// notCarriedOut are the answers that tell the phone its write was not carried out, or say nothing
// of it: wrong, and a reason to send again, for a write the service committed.
var notCarriedOut = map[int64]string{
	10000: "internal error",
	10004: "service unavailable, nothing was sent",
	10007: "timed out and rolled back",
}

// allAnswers is more cuts than a request can meet: every answer of the service is lost.
const allAnswers = 1000

// keylessWindow is how long after a keyless write the service takes the same write again for a
// repeat of it, and answers the first.
const keylessWindow = 10 * time.Second

// One answer lost after the commit: the gateway resends the keyed write, and the repeat answers
// the first outcome, so the phone hears 0, and one row is stored.
func TestOneLostAnswer(t *testing.T) {
	for _, w := range writes(t) {
		t.Run(w.name, func(t *testing.T) {
			text, key := e2etest.Unique("one answer lost "), e2etest.Unique("key-")
			w.proxy.arm(1)
			first := w.send(t, text, key)
			if cut := w.proxy.disarm(); cut != 1 {
				t.Fatalf("the proxy cut %d answers; want 1 (the write never met the cut)", cut)
			}
			// The resend meets no cut, so the gateway learns the real outcome within its budget.
			if first.Code() != 0 {
				t.Fatalf("a committed write lost its answer once and the phone was told %s; want 0 (settled by the resend)", told(first))
			}
			rows := storedOnce(t, w, text)
			if first.Code() == 0 && w.answeredID != nil && w.answeredID(first) != rows[0] {
				t.Fatalf("answered row %d; the one stored is %d: %s", w.answeredID(first), rows[0], first.Raw)
			}
			sendAgain(t, w, text, key, rows[0])
		})
	}
}

// Every answer lost, the resend's too: the phone hears 10010, never "not carried out"; the write
// is stored once, and the phone's repeat with the same key answers it.
func TestEveryAnswerLostWithKey(t *testing.T) {
	for _, w := range writes(t) {
		t.Run(w.name, func(t *testing.T) {
			text, key := e2etest.Unique("every answer lost "), e2etest.Unique("key-")
			w.proxy.arm(allAnswers)
			first := w.send(t, text, key)
			sent := w.proxy.disarm()
			wantUnknown(t, first, sent)
			rows := storedOnce(t, w, text)
			sendAgain(t, w, text, key, rows[0])
		})
	}
}

// Every answer lost, and no key, as the phone of the contract sends: the phone hears 10010; the
// gateway's resend stored nothing more, and the phone's repeat of the same text soon after
// answers the one stored.
func TestEveryAnswerLostWithoutKey(t *testing.T) {
	for _, w := range writes(t) {
		t.Run(w.name, func(t *testing.T) {
			text := e2etest.Unique("no key, every answer lost ")
			start := time.Now()
			w.proxy.arm(allAnswers)
			first := w.send(t, text, "")
			sent := w.proxy.disarm()
			wantUnknown(t, first, sent)
			rows := storedOnce(t, w, text)
			if took := time.Since(start); took > keylessWindow/2 {
				t.Fatalf("the lost write took %s to answer: the repeat would come too late for the service's %s window",
					took, keylessWindow)
			}
			sendAgain(t, w, text, "", rows[0])
		})
	}
}

// wantUnknown checks the answer to a write whose every answer was cut, sent (the cuts) times.
func wantUnknown(t *testing.T, a e2etest.Answer, sent int) {
	t.Helper()
	if a.Code() != outcomeUnknown {
		t.Fatalf("every answer of the service was lost after its commit, and the phone was told %s; want %d",
			told(a), outcomeUnknown)
	}
	// The gateway sends the write once and resends it once; any more would load a failing
	// service with repeats.
	if sent < 1 || sent > 2 {
		t.Fatalf("the service was sent the write %d times; want 1 or 2 (one resend at most)", sent)
	}
	t.Logf("answered %d after the service carried the write out %d times", outcomeUnknown, sent)
}

// storedOnce reads back text, which must be stored exactly once, and returns the stored ids.
func storedOnce(t *testing.T, w write, text string) []int64 {
	t.Helper()
	rows := w.stored(t, text)
	if len(rows) != 1 {
		t.Fatalf("%q is stored %d times (ids %v); want once", text, len(rows), rows)
	}
	return rows
}

// sendAgain repeats the write as the phone does once it is answered, with nothing cut: it must
// succeed, answer the stored row (id) when the answer carries one, and store nothing more.
func sendAgain(t *testing.T, w write, text, key string, id int64) {
	t.Helper()
	again := e2etest.OK(t, w.send(t, text, key))
	if w.answeredID != nil && w.answeredID(again) != id {
		t.Fatalf("the repeat answered row %d; the one stored is %d: %s", w.answeredID(again), id, again.Raw)
	}
	if rows := storedOnce(t, w, text); rows[0] != id {
		t.Fatalf("after the repeat the stored row is %d; it was %d", rows[0], id)
	}
}

// told names an answer's code for a failure message.
func told(a e2etest.Answer) string {
	if what, known := notCarriedOut[a.Code()]; known {
		return what + ": " + string(a.Raw)
	}
	return string(a.Raw)
}
