package media

import (
	"errors"
	"testing"

	"simpletiktok/pkg/errno"
)

// Slots hand out n places at once and refuse the next at once with errno.Busy; a released place is
// taken again; nil slots never refuse.
func TestSlotsRefuseWhenAllAreTaken(t *testing.T) {
	s := NewSlots(2)
	var releases []func()
	for range 2 {
		release, err := s.Take()
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	if _, err := s.Take(); !errors.Is(err, errno.Busy) {
		t.Fatalf("a third take of two slots = %v; want errno.Busy", err)
	}
	releases[0]()
	if _, err := s.Take(); err != nil {
		t.Fatalf("a take after a release = %v", err)
	}
	var none *Slots
	if release, err := none.Take(); err != nil || release == nil {
		t.Fatalf("nil slots refused: %v", err)
	}
}
