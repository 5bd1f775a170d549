package backoff

import (
	"testing"
	"time"
)

func TestDoublesUpToMaxAndResets(t *testing.T) {
	b := Backoff{Min: 200 * time.Millisecond, Max: time.Second}
	want := []time.Duration{200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := b.Next(); got != w*time.Millisecond {
			t.Fatalf("wait %d = %s, want %s", i+1, got, w*time.Millisecond)
		}
	}
	b.Reset()
	if got := b.Next(); got != 200*time.Millisecond {
		t.Fatalf("after Reset: %s, want the minimum", got)
	}
}

func TestMinAboveMaxGivesMax(t *testing.T) {
	b := Backoff{Min: 2 * time.Second, Max: time.Second}
	if got := b.Next(); got != time.Second {
		t.Fatalf("got %s, want the ceiling", got)
	}
}
