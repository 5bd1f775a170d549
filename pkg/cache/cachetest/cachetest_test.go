package cachetest

import (
	"slices"
	"strings"
	"testing"
)

// usedAgain runs c.UsedAgain under a recorder and returns its failure, "" when it passed.
func usedAgain(c *Cache, check func(string)) (msg string) {
	defer func() {
		if f, ok := recover().(failure); ok {
			msg = f.msg
		}
	}()
	c.UsedAgain(recorder{}, "Redis thawed", check)
	return ""
}

func TestUsedAgainWantsTheSecondReadToHit(t *testing.T) {
	c := &Cache{Counts: &Counts{}}
	var steps []string
	hitOn := func(which string) func(string) {
		return func(step string) {
			steps = append(steps, step)
			if strings.HasSuffix(step, which) {
				c.Counts.Hit()
			}
		}
	}
	if msg := usedAgain(c, hitOn("second read")); msg != "" {
		t.Fatalf("a hit on the second read: UsedAgain failed with %q", msg)
	}
	if want := []string{"Redis thawed, first read", "Redis thawed, second read"}; !slices.Equal(steps, want) {
		t.Fatalf("checks %q; want %q", steps, want)
	}
	msg := usedAgain(c, hitOn("first read"))
	if !strings.Contains(msg, "Redis thawed: the cache is not used again") {
		t.Fatalf("no hit on the second read: UsedAgain failed with %q; want the cache not used again", msg)
	}
}
