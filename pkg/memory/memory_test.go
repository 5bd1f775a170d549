package memory

import (
	"errors"
	"io/fs"
	"testing"
)

func TestSettings(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	files := func(content map[string]string) func(string) ([]byte, error) {
		return func(path string) ([]byte, error) {
			if c, ok := content[path]; ok {
				return []byte(c), nil
			}
			return nil, fs.ErrNotExist
		}
	}
	noFiles := func(string) ([]byte, error) { return nil, errors.New("no cgroup here") }
	for _, tc := range []struct {
		name  string
		env   map[string]string
		files func(string) ([]byte, error)
		want  settings
	}{
		{"bare machine", nil, noFiles, settings{gcPercent: GCPercent}},
		{"cgroup v2 with a limit", nil, files(map[string]string{"/sys/fs/cgroup/memory.max": "1073741824\n"}),
			settings{gcPercent: GCPercent, limit: 966367641}},
		{"cgroup v2 without a limit", nil, files(map[string]string{"/sys/fs/cgroup/memory.max": "max\n"}),
			settings{gcPercent: GCPercent}},
		{"cgroup v1 with a limit", nil, files(map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "536870912\n"}),
			settings{gcPercent: GCPercent, limit: 483183820}},
		{"cgroup v1 without a limit", nil, files(map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"}),
			settings{gcPercent: GCPercent}},
		{"the operator's GOGC and GOMEMLIMIT", map[string]string{"GOGC": "100", "GOMEMLIMIT": "300MiB"},
			files(map[string]string{"/sys/fs/cgroup/memory.max": "1073741824\n"}), settings{}},
		{"the operator's GOGC only", map[string]string{"GOGC": "off"},
			files(map[string]string{"/sys/fs/cgroup/memory.max": "1073741824\n"}), settings{limit: 966367641}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := settingsFrom(env(tc.env), tc.files); got != tc.want {
				t.Fatalf("settings = %+v; want %+v", got, tc.want)
			}
		})
	}
}
