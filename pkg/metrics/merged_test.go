package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMergedCallsAreCountedByMethodAndSize(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMerged(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.Call("favorite.Stats", 1)
	m.Call("favorite.Stats", 12)
	m.Call("video.Feed", 3)
	if n := testutil.CollectAndCount(m.queries); n != 2 {
		t.Fatalf("%d series; want one per method", n)
	}
	var nilMerged *Merged
	nilMerged.Call("video.Feed", 1) // no registry, no panic
	got, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got {
		for _, s := range f.GetMetric() {
			if s.GetLabel()[0].GetValue() == "favorite.Stats" && (s.GetHistogram().GetSampleCount() != 2 || s.GetHistogram().GetSampleSum() != 13) {
				t.Fatalf("favorite.Stats: %d calls carrying %v queries; want 2 and 13", s.GetHistogram().GetSampleCount(), s.GetHistogram().GetSampleSum())
			}
		}
	}
}
