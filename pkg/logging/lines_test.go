package logging

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is an underlying writer that keeps each write apart, to count the system calls a real
// one would make.
type recorder struct {
	mu     sync.Mutex
	writes []string
	fail   error
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return 0, r.fail
	}
	r.writes = append(r.writes, string(p))
	return len(p), nil
}

func (r *recorder) all() (string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.writes, ""), len(r.writes)
}

// Lines go out in blocks, whole and in order: one write when a block fills, one for what waits at
// Close; a line larger than a block goes alone, after what waited.
func TestLinesWritesBlocksOfWholeLinesInOrder(t *testing.T) {
	rec := &recorder{}
	l := NewLines(rec, 100, time.Hour) // the timer plays no part here
	var want strings.Builder
	for i := range 10 {
		line := fmt.Sprintf("line %02d ------------------\n", i) // 28 bytes: three fit in a block
		want.WriteString(line)
		if _, err := l.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if _, n := rec.all(); n != 3 {
		t.Fatalf("%d writes after 10 lines of 28 bytes into blocks of 100; want 3 (9 lines), the 10th waiting", n)
	}
	big := strings.Repeat("x", 150) + "\n"
	want.WriteString(big)
	if _, err := l.Write([]byte(big)); err != nil {
		t.Fatal(err)
	}
	tail := "last\n"
	want.WriteString(tail)
	if _, err := l.Write([]byte(tail)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got, n := rec.all()
	if got != want.String() || n != 6 {
		t.Fatalf("wrote %d times:\n%s\nwant 6 writes (3 blocks, the waiting line, the large one, the last) of:\n%s", n, got, want.String())
	}
	// After Close a line goes through at once.
	if _, err := l.Write([]byte("late\n")); err != nil {
		t.Fatal(err)
	}
	if got, _ := rec.all(); !strings.HasSuffix(got, "late\n") {
		t.Fatalf("a line written after Close waits: %q", got)
	}
}

// A line waits at most the interval.
func TestLinesWritesWhatWaitsEveryInterval(t *testing.T) {
	rec := &recorder{}
	l := NewLines(rec, 1<<20, 10*time.Millisecond)
	defer l.Close()
	if _, err := l.Write([]byte("one\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got, _ := rec.all(); got == "one\n" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the line was not written within 10 s with an interval of 10 ms")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The first error of the underlying writer is returned by that write and by every later one.
func TestLinesKeepsTheFirstError(t *testing.T) {
	broken := errors.New("pipe closed")
	rec := &recorder{fail: broken}
	l := NewLines(rec, 10, time.Hour)
	if _, err := l.Write([]byte("0123456\n")); err != nil {
		t.Fatalf("a line that fits waits; got %v", err)
	}
	if _, err := l.Write([]byte("0123456\n")); !errors.Is(err, broken) {
		t.Fatalf("the write that fills the block = %v; want %v", err, broken)
	}
	if err := l.Close(); !errors.Is(err, broken) {
		t.Fatalf("Close = %v; want %v", err, broken)
	}
}

// Lines from many goroutines are never cut or mixed.
func TestLinesKeepsConcurrentLinesWhole(t *testing.T) {
	var out bytes.Buffer
	rec := &recorder{}
	l := NewLines(rec, 256, time.Millisecond)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				if _, err := fmt.Fprintf(l, "g%d i%03d\n", g, i); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := rec.all()
	out.WriteString(got)
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		var g, i int
		if n, err := fmt.Sscanf(line, "g%d i%d", &g, &i); n != 2 || err != nil || seen[line] {
			t.Fatalf("line %q cut, mixed or repeated", line)
		}
		seen[line] = true
	}
	if len(seen) != 8*200 {
		t.Fatalf("%d lines; want %d", len(seen), 8*200)
	}
}
