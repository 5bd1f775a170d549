//go:build integration

package deploy

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var rpcServices = []string{"user", "video", "favorite", "comment", "relation", "message"}

// composeFile is the part of `docker-compose config` (the file with variables resolved and
// paths made absolute) that the checks read.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
	Networks map[string]struct {
		Internal bool `yaml:"internal"`
	} `yaml:"networks"`
}

type composeService struct {
	Image string `yaml:"image"`
	Build *struct {
		Context    string            `yaml:"context"`
		Dockerfile string            `yaml:"dockerfile"`
		Args       map[string]string `yaml:"args"`
	} `yaml:"build"`
	Environment map[string]string `yaml:"environment"`
	Ports       []yaml.Node       `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	Restart    string         `yaml:"restart"`
	Entrypoint []string       `yaml:"entrypoint"`
	Command    []string       `yaml:"command"`
	Networks   map[string]any `yaml:"networks"`
}

// composeSecrets are the variables docker-compose.yml requires, as the Makefile's COMPOSE_SECRETS
// lists them: no secret has a committed default.
var composeSecrets = func() []string {
	out := []string{"TIKTOK_JWT_SECRET", "MYSQL_ROOT_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "REDIS_PASSWORD"}
	for _, s := range []string{"USER", "VIDEO", "FAVORITE", "COMMENT", "RELATION", "MESSAGE"} {
		out = append(out, s+"_DB_PASSWORD", s+"_MIGRATOR_DB_PASSWORD")
	}
	return out
}()

// placeholderSecret is what the checks give every required secret.
const placeholderSecret = "placeholder-for-validation-only-0123456789"

// composeEnv is the environment of a docker-compose run: PATH, HOME and the required secrets but
// those in omit, so that the file's own defaults are what is checked.
func composeEnv(omit ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for _, v := range composeSecrets {
		if !slices.Contains(omit, v) {
			env = append(env, v+"="+placeholderSecret)
		}
	}
	return env
}

// loadCompose validates docker-compose.yml the way CI does and returns its resolved form, with
// the environment of composeEnv.
func loadCompose(t *testing.T, root string) composeFile {
	t.Helper()
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Fatal("docker-compose is missing: apt-get install -y docker-compose (or run .ci/run)")
	}
	run := func(args ...string) []byte {
		cmd := exec.Command("docker-compose", append([]string{"-f", "docker-compose.yml"}, args...)...)
		cmd.Dir = root
		cmd.Env = composeEnv()
		out, err := cmd.Output()
		if err != nil {
			stderr := ""
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("docker-compose %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return out
	}
	run("config", "-q")
	var f composeFile
	if err := yaml.Unmarshal(run("config"), &f); err != nil {
		t.Fatalf("docker-compose config output: %v", err)
	}
	return f
}

// appServices are the services built from this repository: the six RPC services and the gateway.
func appServices() []string { return append(slices.Clone(rpcServices), "api-gateway") }

// The gateway has a Dockerfile of its own; the six services share services/Dockerfile, which
// builds the one named by the SERVICE build argument.
func TestComposeBuildsEveryAppFromTheRepository(t *testing.T) {
	root := repoRoot(t)
	f := loadCompose(t, root)
	for _, name := range appServices() {
		svc, ok := f.Services[name]
		if !ok {
			t.Errorf("service %s is missing", name)
			continue
		}
		dockerfile, args := "services/Dockerfile", map[string]string{"SERVICE": name}
		if name == "api-gateway" {
			dockerfile, args = "api-gateway/Dockerfile", nil
		}
		if svc.Build == nil || svc.Build.Context != root || svc.Build.Dockerfile != dockerfile ||
			!maps.Equal(svc.Build.Args, args) {
			t.Errorf("%s: build = %+v; want the repository root as context, %s and args %v", name, svc.Build, dockerfile, args)
			continue
		}
		checkDockerfile(t, root, svc.Build.Dockerfile, name, args)
	}
	// Bind mounts name host files that must exist; named volumes must be declared.
	for name, svc := range f.Services {
		for _, v := range svc.Volumes {
			source, _, _ := strings.Cut(v, ":")
			if filepath.IsAbs(source) {
				if _, err := os.Stat(source); err != nil {
					t.Errorf("%s mounts %s: %v", name, source, err)
				}
			} else if _, declared := f.Volumes[source]; !declared {
				t.Errorf("%s mounts undeclared volume %s", name, source)
			}
		}
	}
	for _, vol := range []string{"mysql-data", "media"} {
		if _, ok := f.Volumes[vol]; !ok {
			t.Errorf("named volume %s is missing", vol)
		}
	}
	if !slices.Contains(f.Services["mysql"].Volumes, "mysql-data:/var/lib/mysql:rw") {
		t.Errorf("mysql volumes = %v; want mysql-data on /var/lib/mysql", f.Services["mysql"].Volumes)
	}
	gw := f.Services["api-gateway"]
	if media := gw.Environment["TIKTOK_MEDIA_DIR"]; !slices.Contains(gw.Volumes, "media:"+media+":rw") {
		t.Errorf("gateway volumes = %v; want the media volume on TIKTOK_MEDIA_DIR %q", gw.Volumes, media)
	}
}

// checkDockerfile reads a Dockerfile as built with args: several stages, every file it copies
// from the context present, and a final stage that runs as a non-root user in production mode (the
// committed config.yaml it copies is a development one: `docker run` of the image alone must not
// accept its development JWT secret; compose and the dev overlay choose development themselves).
func checkDockerfile(t *testing.T, root, path, name string, args map[string]string) {
	t.Helper()
	file, err := os.Open(filepath.Join(root, path))
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	defer file.Close()
	var stages int
	var lastUser string
	var finalEnv map[string]string
	var text strings.Builder
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		text.WriteString(line + "\n")
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			stages++
			lastUser, finalEnv = "", map[string]string{}
		case "ENV":
			for _, kv := range fields[1:] { // the ENV k=v ... form, which these files use
				k, v, _ := strings.Cut(kv, "=")
				finalEnv[k] = v
			}
		case "USER":
			lastUser = fields[1]
		case "COPY":
			if len(fields) < 3 || strings.HasPrefix(fields[1], "--from=") {
				continue
			}
			for _, src := range fields[1 : len(fields)-1] {
				src = os.Expand(src, func(arg string) string { return args[arg] })
				mustExist(t, root, src, name+": "+path+" copies")
			}
		}
	}
	if stages < 2 {
		t.Errorf("%s: %d stage(s); want a build stage and a small final one", path, stages)
	}
	if lastUser == "" || lastUser == "root" || strings.HasPrefix(lastUser, "0") {
		t.Errorf("%s: the final stage runs as %q; want a non-root user", path, lastUser)
	}
	if finalEnv["TIKTOK_ENV"] != "production" {
		t.Errorf("%s: the image runs with TIKTOK_ENV=%q; want production by default", path, finalEnv["TIKTOK_ENV"])
	}
	if name == "api-gateway" && !strings.Contains(text.String(), "ffmpeg") {
		t.Errorf("%s: the gateway handles uploads and needs ffmpeg and ffprobe in its image", path)
	}
}

// Only the phone's endpoint is published on every interface; the operators' UIs (no
// authentication, or a development password) are published on loopback only.
func TestComposePublishesOnlyTheGatewayAndTheOperatorUIs(t *testing.T) {
	f := loadCompose(t, repoRoot(t))
	want := map[string][]string{
		"api-gateway": {":8080->8080"},
		"jaeger":      {"127.0.0.1:16686->16686"},
		"prometheus":  {"127.0.0.1:9090->9090"},
		"grafana":     {"127.0.0.1:3000->3000"},
	}
	for name, svc := range f.Services {
		var got []string
		for _, p := range svc.Ports {
			got = append(got, publishedPort(t, p))
		}
		if !slices.Equal(got, want[name]) {
			t.Errorf("%s publishes %v; want %v", name, got, want[name])
		}
	}
}

// publishedPort renders a port of `docker-compose config`, which writes some in the long form
// and some as "ip:host:container/proto", as "ip:host->container".
func publishedPort(t *testing.T, n yaml.Node) string {
	t.Helper()
	if n.Kind == yaml.ScalarNode {
		spec := strings.TrimSuffix(n.Value, "/tcp")
		i := strings.LastIndex(spec, ":")
		return spec[:i] + "->" + spec[i+1:]
	}
	var long struct {
		HostIP    string `yaml:"host_ip"`
		Published int    `yaml:"published"`
		Target    int    `yaml:"target"`
	}
	if err := n.Decode(&long); err != nil {
		t.Fatalf("port %v: %v", n.Value, err)
	}
	return fmt.Sprintf("%s:%d->%d", long.HostIP, long.Published, long.Target)
}

func TestComposeConfiguresEachBinaryThroughItsVariables(t *testing.T) {
	root := repoRoot(t)
	f := loadCompose(t, root)
	serviceVars := append(configVariables(t, root, "pkg/config/sections.go"), configVariables(t, root, "pkg/config/redis.go")...)
	gatewayVars := gatewayVariables(t, root, serviceVars)
	dsnUsers := map[string]string{}
	for _, name := range appServices() {
		known := serviceVars
		if name == "api-gateway" {
			known = gatewayVars
		}
		env := f.Services[name].Environment
		for k := range env {
			if strings.HasPrefix(k, "TIKTOK_") && !slices.Contains(known, k) {
				t.Errorf("%s sets %s, which its config does not read", name, k)
			}
		}
		if name == "api-gateway" {
			continue
		}
		port := listenPort(t, root, name)
		expect := map[string]string{
			"TIKTOK_LISTEN_ADDR":    "0.0.0.0:" + port,
			"TIKTOK_ADVERTISE_ADDR": name + ":" + port,
			"TIKTOK_MYSQL_DATABASE": "tiktok_" + name,
			"TIKTOK_ETCD_ENDPOINTS": "etcd:2379",
			"TIKTOK_REDIS_ADDR":     "redis:6379",
		}
		for k, v := range expect {
			if env[k] != v {
				t.Errorf("%s: %s = %q; want %q", name, k, env[k], v)
			}
		}
		m := dsnPattern.FindStringSubmatch(env["TIKTOK_MYSQL_DSN"])
		if m == nil || m[3] != "mysql:3306" || m[1] == "root" {
			t.Errorf("%s: TIKTOK_MYSQL_DSN = %q; want an account of its own at mysql:3306", name, env["TIKTOK_MYSQL_DSN"])
			continue
		}
		if other, taken := dsnUsers[m[1]]; taken {
			t.Errorf("%s and %s share the MySQL account %s", name, other, m[1])
		}
		dsnUsers[m[1]] = name
	}
	gw := f.Services["api-gateway"].Environment
	if gw["TIKTOK_HTTP_ADDR"] != "0.0.0.0:8080" || gw["TIKTOK_ETCD_ENDPOINTS"] != "etcd:2379" || gw["TIKTOK_JWT_SECRET"] == "" {
		t.Errorf("gateway environment = %v", gw)
	}
}

// gatewayVariables are the variables the gateway reads: its config files, the media storage
// settings and the shared sections.
func gatewayVariables(t *testing.T, root string, serviceVars []string) []string {
	t.Helper()
	vars := append(configVariables(t, root, "api-gateway/config.go"), configVariables(t, root, "api-gateway/config_media.go")...)
	vars = append(vars, configVariables(t, root, "pkg/mediastore/config.go")...)
	vars = append(vars, configVariables(t, root, "api-gateway/config_admission.go")...)
	return append(vars, serviceVars...)
}

// workerVariables are the variables the media worker reads.
func workerVariables(t *testing.T, root string) []string {
	t.Helper()
	vars := append(configVariables(t, root, "services/media-worker/config.go"), configVariables(t, root, "pkg/mediastore/config.go")...)
	return append(vars, configVariables(t, root, "pkg/config/sections.go")...)
}

// dsnPattern splits a go-sql-driver DSN: user, password, address.
var dsnPattern = regexp.MustCompile(`^([^:@]+):([^@]*)@tcp\(([^)]+)\)/$`)

// configVariables lists the TIKTOK_* variables a Go source file's config structs read.
func configVariables(t *testing.T, root, path string) []string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	var vars []string
	for _, m := range regexp.MustCompile(`env:"(TIKTOK_[A-Z0-9_]+)"`).FindAllStringSubmatch(string(src), -1) {
		vars = append(vars, m[1])
	}
	if len(vars) == 0 {
		t.Fatalf("%s names no TIKTOK_* variable", path)
	}
	return vars
}

// listenPort is the port of server.listen in a service's committed config.
func listenPort(t *testing.T, root, service string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "services", service, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Server struct {
			Listen string `yaml:"listen"`
		} `yaml:"server"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	_, port, ok := strings.Cut(cfg.Server.Listen, ":")
	if !ok {
		t.Fatalf("%s: server.listen %q has no port", service, cfg.Server.Listen)
	}
	return port
}

func TestComposeStartsInDependencyOrder(t *testing.T) {
	f := loadCompose(t, repoRoot(t))
	for name, svc := range f.Services {
		if name == "mysql-init" {
			if svc.Restart != "no" || svc.DependsOn["mysql"].Condition != "service_healthy" {
				t.Errorf("mysql-init: restart %q, depends_on %v; want a one-shot run once MySQL is healthy", svc.Restart, svc.DependsOn)
			}
			continue
		}
		if strings.HasSuffix(name, "-migrate") {
			if svc.Restart != "no" || svc.DependsOn["mysql-init"].Condition != "service_completed_successfully" {
				t.Errorf("%s: restart %q, depends_on %v; want a one-shot run once mysql-init has succeeded", name, svc.Restart, svc.DependsOn)
			}
			continue
		}
		if svc.Healthcheck == nil || len(svc.Healthcheck.Test) == 0 {
			t.Errorf("%s has no health check", name)
		}
		if svc.Restart != "unless-stopped" {
			t.Errorf("%s: restart %q; want unless-stopped", name, svc.Restart)
		}
	}
	for _, name := range rpcServices {
		deps := f.Services[name].DependsOn
		if deps[name+"-migrate"].Condition != "service_completed_successfully" || deps["etcd"].Condition != "service_healthy" ||
			deps["jaeger"].Condition != "service_healthy" || deps["redis"].Condition != "service_healthy" {
			t.Errorf("%s depends_on %v; want its migration step completed, etcd, jaeger and redis healthy", name, deps)
		}
	}
	gw := f.Services["api-gateway"].DependsOn
	for _, dep := range append(slices.Clone(rpcServices), "etcd", "jaeger") {
		if gw[dep].Condition != "service_healthy" {
			t.Errorf("api-gateway depends_on %s: %q; want service_healthy", dep, gw[dep].Condition)
		}
	}
}

// Redis is the services' cache: a pinned image, keeping nothing on disk and bounded in memory,
// reachable by the services only (TestComposePublishesOnlyTheGatewayAndTheOperatorUIs checks
// that it publishes no port).
func TestComposeRunsRedisForTheCache(t *testing.T) {
	f := loadCompose(t, repoRoot(t))
	r, ok := f.Services["redis"]
	if !ok {
		t.Fatal("service redis is missing")
	}
	// At least 7.4.5: the 7.4 releases before it have the 2025 Lua and unauthenticated
	// denial-of-service vulnerabilities.
	var major, minor, patch int
	if name, tag, _ := strings.Cut(r.Image, ":"); name != "redis" ||
		func() bool { n, _ := fmt.Sscanf(tag, "%d.%d.%d", &major, &minor, &patch); return n != 3 }() ||
		major != 7 || minor != 4 || patch < 5 {
		t.Errorf("redis image %q; want a pinned redis 7.4.x tag, 7.4.5 or later", r.Image)
	}
	cmd := strings.Join(r.Command, " ")
	for _, want := range []string{"--maxmemory ", "--maxmemory-policy allkeys-lru", "--appendonly no",
		"--requirepass " + placeholderSecret} {
		if !strings.Contains(cmd, want) {
			t.Errorf("redis command %q lacks %q", cmd, want)
		}
	}
	if gw := f.Services["api-gateway"].Environment; gw["TIKTOK_REDIS_ADDR"] != "" || gw["TIKTOK_REDIS_PASSWORD"] != "" {
		t.Errorf("the gateway is given Redis (%q); only the services own cached data", gw["TIKTOK_REDIS_ADDR"])
	}
	// Every client of the cache authenticates with the password Redis requires.
	for _, name := range rpcServices {
		if got := f.Services[name].Environment["TIKTOK_REDIS_PASSWORD"]; got != placeholderSecret {
			t.Errorf("%s: TIKTOK_REDIS_PASSWORD = %q; want REDIS_PASSWORD, the one Redis requires", name, got)
		}
	}
	if hc := r.Healthcheck; hc == nil || r.Environment["REDISCLI_AUTH"] != placeholderSecret {
		t.Errorf("redis health check %+v with REDISCLI_AUTH %q; want redis-cli authenticated with REDIS_PASSWORD", hc, r.Environment["REDISCLI_AUTH"])
	}
}

// Each service's migration step runs the service's own image with -migrate-only, on the same
// database, as the migrator account (mig_<name>); the service itself runs as svc_<name>.
func TestComposeMigratesEachSchemaBeforeItsService(t *testing.T) {
	f := loadCompose(t, repoRoot(t))
	for _, name := range rpcServices {
		svc, step := f.Services[name], f.Services[name+"-migrate"]
		if step.Image != svc.Image || step.Build == nil || step.Build.Args["SERVICE"] != name {
			t.Errorf("%s-migrate: image %q built with %+v; want %s's image %q", name, step.Image, step.Build, name, svc.Image)
		}
		if !slices.Equal(step.Command, []string{"-migrate-only"}) {
			t.Errorf("%s-migrate: command %v; want [-migrate-only] after the image's entrypoint", name, step.Command)
		}
		if step.Environment["TIKTOK_MYSQL_DATABASE"] != svc.Environment["TIKTOK_MYSQL_DATABASE"] {
			t.Errorf("%s-migrate migrates %q; %s uses %q", name, step.Environment["TIKTOK_MYSQL_DATABASE"], name, svc.Environment["TIKTOK_MYSQL_DATABASE"])
		}
		for account, env := range map[string]map[string]string{"mig_" + name: step.Environment, "svc_" + name: svc.Environment} {
			m := dsnPattern.FindStringSubmatch(env["TIKTOK_MYSQL_DSN"])
			if m == nil || m[1] != account || m[3] != "mysql:3306" {
				t.Errorf("%s: TIKTOK_MYSQL_DSN = %q; want the account %s at mysql:3306", name, env["TIKTOK_MYSQL_DSN"], account)
			}
		}
	}
}
