//go:build integration

package deploy

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// composeVariable is one variable a compose file interpolates.
type composeVariable struct {
	required bool   // ${X:?...}: docker-compose refuses to run without it
	fallback string // ${X:-default}: the default
}

// composeVarPattern matches ${NAME}, ${NAME:-default} and ${NAME:?message} (and their forms
// without the colon).
var composeVarPattern = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}`)

// composeVariables are the variables the compose files read, by name.
func composeVariables(t *testing.T, root string, files ...string) map[string]composeVariable {
	t.Helper()
	vars := map[string]composeVariable{}
	for _, file := range files {
		raw, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range composeVarPattern.FindAllStringSubmatch(string(raw), -1) {
			v := vars[m[1]]
			switch strings.TrimPrefix(m[2], ":") {
			case "?":
				v.required = true
			case "-":
				v.fallback = m[3]
			}
			vars[m[1]] = v
		}
	}
	return vars
}

// envExampleLine is one variable of .env.example: set (NAME=value) or shown commented out
// (# NAME=value).
type envExampleLine struct {
	value     string
	commented bool
}

var envExamplePattern = regexp.MustCompile(`^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$`)

func loadEnvExample(t *testing.T, root string) map[string]envExampleLine {
	t.Helper()
	f, err := os.Open(filepath.Join(root, ".env.example"))
	if err != nil {
		t.Fatalf(".env.example: %v (docker-compose up without make needs it)", err)
	}
	defer f.Close()
	lines := map[string]envExampleLine{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := envExamplePattern.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		if prev, seen := lines[m[2]]; seen && !prev.commented {
			continue // a set line wins over an example in a comment
		}
		lines[m[2]] = envExampleLine{value: m[3], commented: m[1] != ""}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// .env.example lets `docker-compose up` work without make: it sets every variable the compose
// files require (empty, so that a copy nobody filled in is refused, naming the variable, and no
// secret is committed), shows every optional one with the compose file's default, and names
// nothing the compose files do not read.
func TestComposeEnvExampleNamesEveryVariable(t *testing.T) {
	root := repoRoot(t)
	vars := composeVariables(t, root, "docker-compose.yml", "docker-compose.s3.yml")
	example := loadEnvExample(t, root)
	var required []string
	for name, v := range vars {
		line, ok := example[name]
		switch {
		case v.required:
			required = append(required, name)
			if !ok || line.commented {
				t.Errorf(".env.example lacks %s=, which docker-compose requires", name)
			} else if line.value != "" {
				t.Errorf(".env.example sets %s=%q; want it empty (a secret, made by whoever copies the file)", name, line.value)
			}
		case !ok:
			t.Errorf(".env.example does not show %s (default %q)", name, v.fallback)
		case line.value != v.fallback:
			t.Errorf(".env.example shows %s=%q; the compose files' default is %q", name, line.value, v.fallback)
		}
	}
	for name := range example {
		if _, read := vars[name]; !read {
			t.Errorf(".env.example names %s, which no compose file reads", name)
		}
	}
	slices.Sort(required)
	if want := slices.Sorted(slices.Values(composeSecrets)); !slices.Equal(required, want) {
		t.Errorf("the compose files require %v; the secrets make up writes (COMPOSE_SECRETS) are %v", required, want)
	}
}
