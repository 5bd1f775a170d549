package main

import (
	"strings"
	"testing"
)

func TestReplicasFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
		err  string
	}{
		{nil, 1, ""},
		{[]string{"-replicas", "2"}, 2, ""},
		{[]string{"-replicas", "3"}, 0, "-replicas 3: 1 or 2"},
		{[]string{"-replicas", "0"}, 0, "-replicas 0: 1 or 2"},
	} {
		o, err := parseFlags(tc.args)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v; want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || o.replicas != tc.want {
			t.Errorf("%v: replicas %d, error %v; want %d", tc.args, o.replicas, err, tc.want)
		}
	}
}
