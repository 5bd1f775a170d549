package devstack

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// binaries are the programs of the stack, all built by `make build` into Root/bin.
func binaries() []string {
	return append(append([]string{"etcd", "jaeger", "prometheus", "nats-server"}, serviceNames()...), "media-worker", "api-gateway")
}

// CheckBinaries reports every program of the stack missing from root/bin in one error that says
// how to build them.
func CheckBinaries(root string) error {
	return checkBinaries(root, binaries()...)
}

func checkBinaries(root string, names ...string) error {
	var missing []string
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(root, "bin", name)); err != nil {
			missing = append(missing, "bin/"+name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s in %s: run make build", strings.Join(missing, ", "), root)
	}
	return nil
}
