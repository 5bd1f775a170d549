package middleware

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// oneByte hands out one byte a read, as a dripping client does.
type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) { return o.r.Read(p[:1]) }

// A body is read freely during its grace (the time its reader waited for it); afterwards it must
// have kept the minimum pace since the grace ended, or its next read fails.
func TestPacedCutsADrippingBody(t *testing.T) {
	fresh := &paced{body: oneByte{strings.NewReader("abc")}}
	if b, err := io.ReadAll(fresh); err != nil || string(b) != "abc" {
		t.Fatalf("a body within its grace: %q, %v", b, err)
	}
	late := bodyGrace + 10*time.Second // the body owes 10 s of the minimum pace
	drip := &paced{body: oneByte{strings.NewReader("abc")}, waited: late}
	if _, err := io.ReadAll(drip); !errors.Is(err, ErrSlowBody) {
		t.Fatalf("a dripping body after its grace: %v; want ErrSlowBody", err)
	}
	owed := 11 * minBodyRate // what it had sent by then
	fast := &paced{body: strings.NewReader(strings.Repeat("x", owed)), waited: late, read: int64(owed)}
	if b, err := io.ReadAll(fast); err != nil || len(b) != owed {
		t.Fatalf("a body that kept the pace: %d bytes, %v", len(b), err)
	}
}
