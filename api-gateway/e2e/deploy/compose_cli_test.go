//go:build integration

package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// stubCommands makes a folder of executables named after each key, each running its script, for
// a PATH that holds nothing else.
func stubCommands(t *testing.T, scripts map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, script := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// `make up` and `make down` use the Compose that is installed: the v2 plugin (`docker compose`)
// when it answers, else the v1 binary (`docker-compose`), and stop with how to install one when
// there is neither. make -n prints the commands without running them (nothing is started).
func TestComposeMakeUsesWhicheverComposeIsInstalled(t *testing.T) {
	root := repoRoot(t)
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Fatal(err)
	}
	run := func(path string, args ...string) (string, error) {
		cmd := exec.Command(makeBin, append([]string{"--no-print-directory"}, args...)...)
		cmd.Dir = root
		cmd.Env = []string{"PATH=" + path, "HOME=" + t.TempDir()}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	plugin := stubCommands(t, map[string]string{"docker": `[ "$1 $2" = "compose version" ] && exit 0; exit 1`})
	v1Only := stubCommands(t, map[string]string{
		"docker":         `exit 1`, // a docker without the compose plugin
		"docker-compose": `exit 0`,
	})
	for _, tc := range []struct {
		name, path, want string
	}{
		{"the v2 plugin", plugin, "docker compose up --build --detach"},
		{"the v1 binary", v1Only, "docker-compose up --build --detach"},
	} {
		out, err := run(tc.path, "-n", "up", "down")
		if err != nil || !strings.Contains(out, tc.want) {
			t.Errorf("%s: make -n up printed %q (%v); want %q", tc.name, out, err, tc.want)
		}
		if !strings.Contains(out, strings.Replace(tc.want, "up --build --detach", "down", 1)) {
			t.Errorf("%s: make -n down printed %q; want the same Compose", tc.name, out)
		}
	}
	out, err := run(t.TempDir(), "compose-cli")
	if err == nil || !strings.Contains(out, "install Docker Compose") {
		t.Errorf("without any Compose: make compose-cli = %v, %q; want a failure saying how to install it", err, out)
	}
}

var envVariableLine = regexp.MustCompile(`^([A-Z][A-Z0-9_]*)=$`)

// Whoever copies .env.example by hand learns from it how to make each required value: the
// comment above each empty variable (or above its group) gives a command that makes one.
func TestComposeEnvExampleSaysHowToMakeEachValue(t *testing.T) {
	root := repoRoot(t)
	f, err := os.Open(filepath.Join(root, ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var comment []string // the comment block above the current group of variables
	seen := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			comment = nil
		case strings.HasPrefix(line, "#"):
			comment = append(comment, line)
		default:
			m := envVariableLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			seen++
			if !strings.Contains(strings.Join(comment, " "), "openssl rand") {
				t.Errorf(".env.example: no comment above %s says how to make its value (e.g. openssl rand -hex 32): %q", m[1], comment)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != len(composeSecrets) {
		t.Errorf(".env.example leaves %d variables to fill in; docker-compose.yml requires %d", seen, len(composeSecrets))
	}
}
