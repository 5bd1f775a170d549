package ffmpeg

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// envDumper is the name under which this test binary plays a tool: it writes the environment it
// was started with next to the file it was asked about, and exits.
const envDumper = "dump-env-tool"

func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == envDumper {
		in := strings.TrimPrefix(os.Args[len(os.Args)-1], "file:")
		if err := os.WriteFile(in+".env", []byte(strings.Join(os.Environ(), "\n")), 0o600); err != nil {
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// ffprobe and ffmpeg decode files strangers uploaded: they must start with an empty environment,
// so that a decoder bug exploited by an upload finds no secret (the JWT secret, the S3 keys) there.
func TestToolsInheritNoEnvironment(t *testing.T) {
	t.Setenv("TIKTOK_JWT_SECRET", "the-secret-a-decoder-must-not-see")
	t.Setenv("TIKTOK_S3_SECRET_KEY", "s3-secret-key")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(self, filepath.Join(bin, envDumper)); err != nil {
		t.Fatal(err)
	}
	// The tool is found by its bare name on PATH, as in the default configuration.
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	tools := Tools{FFprobe: envDumper, FFmpeg: envDumper, Timeout: 30 * time.Second}

	dir := t.TempDir()
	probed, covered := filepath.Join(dir, "upload.mp4"), filepath.Join(dir, "cover.jpg")
	_, _ = tools.Probe(context.Background(), probed) // the dumper prints no JSON: not a video
	_ = tools.Cover(context.Background(), probed, covered)
	for name, file := range map[string]string{"ffprobe": probed, "ffmpeg": covered} {
		env, err := os.ReadFile(file + ".env")
		if err != nil {
			t.Fatalf("%s did not run: %v", name, err)
		}
		if len(env) != 0 {
			var names []string // names only: the values may be this machine's secrets
			for _, kv := range strings.Split(string(env), "\n") {
				names = append(names, strings.SplitN(kv, "=", 2)[0])
			}
			t.Fatalf("%s started with the variables %v; want none", name, names)
		}
	}
}
