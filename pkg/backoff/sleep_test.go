package backoff

import (
	"context"
	"testing"
	"time"
)

func TestSleepWaitsTheWholeDuration(t *testing.T) {
	start := time.Now()
	if !Sleep(context.Background(), 30*time.Millisecond) {
		t.Fatal("Sleep = false; want true, ctx did not end")
	}
	if waited := time.Since(start); waited < 30*time.Millisecond {
		t.Fatalf("Sleep returned after %s; want 30ms", waited)
	}
}

func TestSleepEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	if Sleep(ctx, time.Minute) {
		t.Fatal("Sleep = true; want false, ctx ended")
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Fatalf("Sleep returned after %s; want it to end with ctx", waited)
	}
	if Sleep(ctx, time.Minute) {
		t.Fatal("Sleep on an ended ctx = true")
	}
}
