package config

import (
	"strings"
	"testing"
)

func TestTracingRateByMode(t *testing.T) {
	cases := []struct {
		rate float64
		env  Env
		want float64
	}{
		{0, Development, 1},
		{0, Production, ProductionSampleRate},
		{0.2, Production, 0.2},
		{0.2, Development, 0.2},
		{1, Production, 1},
	}
	for _, c := range cases {
		if got := (Tracing{SampleRate: c.rate}).Rate(c.env); got != c.want {
			t.Errorf("sample_rate %v in %s: Rate = %v; want %v", c.rate, c.env, got, c.want)
		}
	}
}

func TestSampleRateFromEnvironment(t *testing.T) {
	t.Setenv("TIKTOK_TRACING_SAMPLE_RATE", "0.25")
	var c Service
	if err := Load(writeFile(t, serviceYAML), &c); err != nil {
		t.Fatal(err)
	}
	if c.Tracing.SampleRate != 0.25 {
		t.Fatalf("sample rate = %v; want 0.25 from the environment", c.Tracing.SampleRate)
	}
	t.Setenv("TIKTOK_TRACING_SAMPLE_RATE", "most")
	if err := Load(writeFile(t, serviceYAML), &c); err == nil || !strings.Contains(err.Error(), "TIKTOK_TRACING_SAMPLE_RATE") {
		t.Fatalf("Load = %v; want an error naming the variable", err)
	}
	t.Setenv("TIKTOK_TRACING_SAMPLE_RATE", "2")
	if err := Load(writeFile(t, serviceYAML), &c); err == nil || !strings.Contains(err.Error(), "sample_rate") {
		t.Fatalf("Load = %v; want a rate above 1 refused", err)
	}
}

func TestServiceNeedsAnAdminAddress(t *testing.T) {
	var c Service
	err := Load(writeFile(t, strings.Replace(serviceYAML, `admin: {listen: "127.0.0.1:2"}`, "", 1)), &c)
	if err == nil || !strings.Contains(err.Error(), "admin.listen") {
		t.Fatalf("Load = %v; want an error naming admin.listen", err)
	}
	t.Setenv("TIKTOK_ADMIN_ADDR", "0.0.0.0:9881")
	if err := Load(writeFile(t, serviceYAML), &c); err != nil || c.Admin.Listen != "0.0.0.0:9881" {
		t.Fatalf("Load = %v, admin.listen %q; want the environment's address", err, c.Admin.Listen)
	}
}

func TestAdminValidate(t *testing.T) {
	if err := (Admin{Listen: "127.0.0.1:9881"}).Validate(Production); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "9881", "localhost"} {
		if err := (Admin{Listen: bad}).Validate(Development); err == nil || !strings.Contains(err.Error(), "admin.listen") {
			t.Errorf("admin.listen %q: Validate = %v; want an error naming admin.listen", bad, err)
		}
	}
}
