package devstack

import (
	"strings"
	"testing"
)

func TestCheckBinariesSaysHowToBuild(t *testing.T) {
	err := CheckBinaries(t.TempDir())
	if err == nil {
		t.Fatal("an empty root passed")
	}
	for _, want := range []string{"bin/etcd", "bin/jaeger", "bin/prometheus", "bin/nats-server", "bin/user", "bin/message", "bin/media-worker", "bin/api-gateway", "run make build"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}
