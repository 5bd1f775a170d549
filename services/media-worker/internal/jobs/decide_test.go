package jobs

import (
	"errors"
	"strings"
	"testing"
	"time"

	"simpletiktok/services/media-worker/internal/cover"
)

var policy = Policy{MaxAttempts: 4, RetryMin: 2 * time.Second, RetryMax: 10 * time.Second}

func TestAfterProcessing(t *testing.T) {
	transient := errors.New("video service unavailable")
	broken := cover.Permanent(errors.New("ffmpeg cannot make a cover"))
	cases := []struct {
		name    string
		attempt int
		err     error
		want    Decision
	}{
		{"success", 1, nil, Decision{Action: Ack}},
		{"success on the last attempt", 4, nil, Decision{Action: Ack}},
		{"first failure", 1, transient, Decision{Action: Retry, Delay: 2 * time.Second}},
		{"second failure doubles", 2, transient, Decision{Action: Retry, Delay: 4 * time.Second}},
		{"third failure doubles again", 3, transient, Decision{Action: Retry, Delay: 8 * time.Second}},
		{"last attempt fails", 4, transient, Decision{Action: DeadLetter}},
		{"permanent on the first attempt", 1, broken, Decision{Action: DeadLetter}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := policy.After(c.attempt, c.err)
			if got.Action != c.want.Action || got.Delay != c.want.Delay {
				t.Fatalf("After(%d, %v) = %+v; want %+v", c.attempt, c.err, got, c.want)
			}
			if got.Action == DeadLetter && !strings.Contains(got.Why, c.err.Error()) {
				t.Fatalf("dead letter reason %q does not say %q", got.Why, c.err)
			}
		})
	}
}

// The pause doubles from RetryMin and never passes RetryMax, however many attempts are allowed.
func TestRetryDelayIsCapped(t *testing.T) {
	p := Policy{MaxAttempts: 100, RetryMin: time.Second, RetryMax: 30 * time.Second}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for i, w := range want {
		if got := p.After(i+1, errors.New("x")); got.Action != Retry || got.Delay != w*time.Second {
			t.Fatalf("attempt %d: %+v; want a retry after %s", i+1, got, w*time.Second)
		}
	}
	if got := p.After(99, errors.New("x")); got.Delay != 30*time.Second {
		t.Fatalf("attempt 99: %+v", got)
	}
}

// A delivery past the last attempt is given up before it runs: its earlier attempts each took
// their worker down with them.
func TestBeforeProcessing(t *testing.T) {
	for attempt := 1; attempt <= policy.MaxAttempts; attempt++ {
		if d, stop := policy.Before(attempt); stop {
			t.Fatalf("Before(%d) = %+v; want it processed", attempt, d)
		}
	}
	if d, stop := policy.Before(policy.MaxAttempts + 1); !stop || d.Action != DeadLetter {
		t.Fatalf("Before(%d) = %+v, %v; want a dead letter", policy.MaxAttempts+1, d, stop)
	}
}
