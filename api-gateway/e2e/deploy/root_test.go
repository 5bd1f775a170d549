//go:build integration

// Package deploy checks what ships for operators and developers besides the binaries: the
// docker-compose file (validated with docker-compose, every file it names present, its MySQL
// accounts tried on the real server) and the Postman collection (run with newman against a real
// stack).
package deploy

import (
	"os"
	"path/filepath"
	"testing"
)

// repoRoot is the folder holding go.work, above the test's working directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.work above the working directory")
		}
		dir = parent
	}
}

// mustExist fails the test unless path (relative to root) exists.
func mustExist(t *testing.T, root, path, what string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(root, path)); err != nil {
		t.Errorf("%s %s: %v", what, path, err)
	}
}
