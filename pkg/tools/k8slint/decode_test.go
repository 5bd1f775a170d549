package main

import (
	"strings"
	"testing"
)

const serviceDoc = `apiVersion: v1
kind: Service
metadata:
  name: user
  namespace: t
spec:
  selector: {app: user}
  ports:
    - {name: rpc, port: 8881, targetPort: rpc}
`

func TestDecodeAcceptsKnownTypes(t *testing.T) {
	objs, errs := decodeAll(strings.NewReader("# leading comment\n---\n" + serviceDoc + "---\n# only a comment\n"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(objs) != 1 || objs[0].Kind != "Service" || objs[0].String() != "Service t/user" {
		t.Fatalf("got %v", objs)
	}
}

// Strict decoding is what makes a typo visible: the API server would drop an unknown field (or a
// client would), and the setting would silently not apply.
func TestDecodeRejects(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"unknown field", strings.Replace(serviceDoc, "  selector:", "  selectr: {a: b}\n  selector:", 1), `document 1 (Service t/user): strict decoding error: unknown field "spec.selectr"`},
		{"field in the wrong case", strings.Replace(serviceDoc, "targetPort", "targetport", 1), `unknown field "spec.ports[0].targetport"`},
		{"field given twice", strings.Replace(serviceDoc, "  selector: {app: user}", "  selector: {app: user}\n  selector: {app: video}", 1), "strict decoding error"},
		{"unknown kind", strings.Replace(serviceDoc, "kind: Service", "kind: Servce", 1), "Servce"},
		{"kind outside the checked groups", "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: x}\n", `no kind "ServiceMonitor" is registered`},
		{"wrong value type", strings.Replace(serviceDoc, "port: 8881", "port: eighty", 1), "cannot unmarshal string"},
		{"no name", strings.Replace(serviceDoc, "  name: user\n", "", 1), "without metadata.name"},
		{"invalid quantity", "apiVersion: v1\nkind: LimitRange\nmetadata: {name: x}\nspec:\n  limits:\n    - type: Container\n      max: {cpu: lots}\n", "quantities must match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := decodeAll(strings.NewReader(tc.doc))
			if len(errs) == 0 {
				t.Fatalf("accepted:\n%s", tc.doc)
			}
			if !strings.Contains(errs[0].Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", errs[0], tc.want)
			}
		})
	}
}

func TestRunFailsOnFindingsAndPassesClean(t *testing.T) {
	var out strings.Builder
	if err := run([]string{"-name", "good", "-require-env", "production", "-require-hpa", "api-gateway", "testdata/good.yaml"}, nil, &out); err != nil {
		t.Fatalf("good.yaml: %v\n%s", err, out.String())
	}
	out.Reset()
	err := run([]string{"-name", "good", "-require-env", "development", "testdata/good.yaml"}, nil, &out)
	if err == nil || !strings.Contains(out.String(), "[mode]") {
		t.Fatalf("development required of a production manifest: err %v, output:\n%s", err, out.String())
	}
}

func TestNginxSize(t *testing.T) {
	for in, want := range map[string]int64{"110m": 110 << 20, "1G": 1 << 30, "512k": 512 << 10, "2048": 2048, "0": 0} {
		got, err := nginxSize(in)
		if err != nil || got != want {
			t.Errorf("nginxSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "10mb", "-1m", "big"} {
		if _, err := nginxSize(in); err == nil {
			t.Errorf("nginxSize(%q) accepted", in)
		}
	}
}
