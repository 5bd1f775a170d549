package bootstrap

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudwego/kitex/server"
)

// A config that cannot be loaded stops the start before the service is built, with an error that
// names the file.
func TestRunStopsOnABadConfig(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "absent.yaml")
	called := false
	err := Run("user", []string{"-config", missing}, func(context.Context, *Service, []server.Option) (server.Server, error) {
		called = true
		return nil, nil
	})
	if err == nil || !strings.Contains(err.Error(), "absent.yaml") {
		t.Fatalf("Run = %v; want an error naming the config file", err)
	}
	if called {
		t.Fatal("register ran without a config")
	}
	if err := Run("user", []string{"-no-such-flag"}, nil); err == nil {
		t.Fatal("Run accepted an unknown flag")
	}
}
