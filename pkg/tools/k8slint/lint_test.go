package main

import (
	"os"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func goodOptions() options {
	return options{RequireHPA: []string{"api-gateway"}, RequireEnv: "production", ShutdownGrace: 5 * time.Second}
}

// loadGood decodes testdata/good.yaml afresh, so that each test can break its own copy.
func loadGood(t *testing.T) []object {
	t.Helper()
	f, err := os.Open("testdata/good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	objs, errs := decodeAll(f)
	if len(errs) > 0 {
		t.Fatalf("good.yaml does not decode: %v", errs)
	}
	return objs
}

func find(t *testing.T, objs []object, kind, name string) object {
	t.Helper()
	for _, o := range objs {
		if o.Kind == kind && o.Meta.GetName() == name {
			return o
		}
	}
	t.Fatalf("no %s %s in good.yaml", kind, name)
	return object{}
}

func deployment(t *testing.T, objs []object, name string) *appsv1.Deployment {
	t.Helper()
	return find(t, objs, "Deployment", name).Obj.(*appsv1.Deployment)
}

// app is the main container of a Deployment.
func app(t *testing.T, objs []object, name string) *corev1.Container {
	t.Helper()
	return &deployment(t, objs, name).Spec.Template.Spec.Containers[0]
}

func networkPolicy(t *testing.T, objs []object, name string) *networkingv1.NetworkPolicy {
	t.Helper()
	return find(t, objs, "NetworkPolicy", name).Obj.(*networkingv1.NetworkPolicy)
}

func ingress(t *testing.T, objs []object) *networkingv1.Ingress {
	t.Helper()
	return find(t, objs, "Ingress", "api-gateway").Obj.(*networkingv1.Ingress)
}

func without(objs []object, kind, name string) []object {
	var out []object
	for _, o := range objs {
		if o.Kind != kind || o.Meta.GetName() != name {
			out = append(out, o)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestGoodManifestFollowsEveryPolicy(t *testing.T) {
	objs := loadGood(t)
	for _, f := range newChecker(goodOptions()).check(newManifest(objs)) {
		t.Errorf("unexpected finding: %s", f)
	}
}

// Each case breaks good.yaml in one way; the checker must report that breach under its rule.
func TestEachPolicyRejectsABreach(t *testing.T) {
	cases := []struct {
		name   string
		rule   string
		msg    string
		breach func(t *testing.T, objs []object) []object
	}{
		{"latest tag", "image", "moving tag", func(t *testing.T, objs []object) []object {
			app(t, objs, "user").Image = "simpletiktok/user:latest"
			return objs
		}},
		{"untagged image", "image", "no tag", func(t *testing.T, objs []object) []object {
			app(t, objs, "user").Image = "registry.local:5000/simpletiktok/user"
			return objs
		}},
		{"no readiness probe", "probes", "no readinessProbe", func(t *testing.T, objs []object) []object {
			app(t, objs, "user").ReadinessProbe = nil
			return objs
		}},
		{"no liveness probe", "probes", "no livenessProbe", func(t *testing.T, objs []object) []object {
			app(t, objs, "api-gateway").LivenessProbe = nil
			return objs
		}},
		{"probe on an undeclared port", "probes", `port "metrics"`, func(t *testing.T, objs []object) []object {
			app(t, objs, "user").LivenessProbe.HTTPGet.Port.StrVal = "metrics"
			return objs
		}},
		{"no cpu limit", "resources", "no cpu limit", func(t *testing.T, objs []object) []object {
			delete(app(t, objs, "user").Resources.Limits, corev1.ResourceCPU)
			return objs
		}},
		{"init container without memory request", "resources", "init container migrate: no memory request", func(t *testing.T, objs []object) []object {
			delete(deployment(t, objs, "user").Spec.Template.Spec.InitContainers[0].Resources.Requests, corev1.ResourceMemory)
			return objs
		}},
		{"request above limit", "resources", "exceeds its limit", func(t *testing.T, objs []object) []object {
			app(t, objs, "user").Resources.Requests[corev1.ResourceMemory] = resource.MustParse("1Gi")
			return objs
		}},
		{"root allowed", "security", "runAsNonRoot is not true", func(t *testing.T, objs []object) []object {
			deployment(t, objs, "user").Spec.Template.Spec.SecurityContext.RunAsNonRoot = nil
			return objs
		}},
		{"container runs as root", "security", "runs as user 0", func(t *testing.T, objs []object) []object {
			app(t, objs, "user").SecurityContext.RunAsUser = ptr(int64(0))
			return objs
		}},
		{"privilege escalation", "security", "allowPrivilegeEscalation", func(t *testing.T, objs []object) []object {
			app(t, objs, "user").SecurityContext.AllowPrivilegeEscalation = ptr(true)
			return objs
		}},
		{"writable root filesystem", "security", "readOnlyRootFilesystem", func(t *testing.T, objs []object) []object {
			app(t, objs, "api-gateway").SecurityContext.ReadOnlyRootFilesystem = ptr(false)
			return objs
		}},
		{"capabilities kept", "security", `drop "ALL"`, func(t *testing.T, objs []object) []object {
			app(t, objs, "user").SecurityContext.Capabilities = nil
			return objs
		}},
		{"no seccomp profile", "security", "seccomp", func(t *testing.T, objs []object) []object {
			deployment(t, objs, "user").Spec.Template.Spec.SecurityContext.SeccompProfile = nil
			return objs
		}},
		{"host network", "security", "host namespace", func(t *testing.T, objs []object) []object {
			deployment(t, objs, "user").Spec.Template.Spec.HostNetwork = true
			return objs
		}},
		{"Secret object rendered", "no-secrets", "must not be rendered", func(t *testing.T, objs []object) []object {
			s := &corev1.Secret{StringData: map[string]string{"secret": "x"}}
			s.Name, s.Namespace = "tiktok-jwt", "t"
			return append(objs, object{Kind: "Secret", Meta: s, Obj: s})
		}},
		{"literal JWT secret", "no-secrets", "TIKTOK_JWT_SECRET has a literal value", func(t *testing.T, objs []object) []object {
			app(t, objs, "api-gateway").Env[0] = corev1.EnvVar{Name: "TIKTOK_JWT_SECRET", Value: "dev-only-jwt-secret"}
			return objs
		}},
		{"literal password in a DSN", "no-secrets", "svc_user has a literal password", func(t *testing.T, objs []object) []object {
			app(t, objs, "user").Env[3].Value = "svc_user:hunter2@tcp(mysql:3306)/"
			return objs
		}},
		{"credential in a ConfigMap", "no-secrets", "key S3_SECRET_ACCESS_KEY", func(t *testing.T, objs []object) []object {
			find(t, objs, "ConfigMap", "common").Obj.(*corev1.ConfigMap).Data["S3_SECRET_ACCESS_KEY"] = "abc"
			return objs
		}},
		{"variable used before it is defined", "env", "$(POD_IP), which is not defined before it", func(t *testing.T, objs []object) []object {
			env := app(t, objs, "user").Env
			env[0], env[1] = env[1], env[0]
			return objs
		}},
		{"ConfigMap missing", "env", "envFrom ConfigMap common is not in the manifest", func(t *testing.T, objs []object) []object {
			return without(objs, "ConfigMap", "common")
		}},
		{"grace shorter than preStop plus shutdown", "shutdown", "shorter than container app needs", func(t *testing.T, objs []object) []object {
			deployment(t, objs, "api-gateway").Spec.Template.Spec.TerminationGracePeriodSeconds = ptr(int64(12))
			return objs
		}},
		{"grace not set", "shutdown", "not set", func(t *testing.T, objs []object) []object {
			deployment(t, objs, "user").Spec.Template.Spec.TerminationGracePeriodSeconds = nil
			return objs
		}},
		{"development mode", "mode", `TIKTOK_ENV="development"`, func(t *testing.T, objs []object) []object {
			find(t, objs, "ConfigMap", "common").Obj.(*corev1.ConfigMap).Data["TIKTOK_ENV"] = "development"
			return objs
		}},
		{"not scraped", "metrics", "prometheus.io/scrape", func(t *testing.T, objs []object) []object {
			delete(deployment(t, objs, "user").Spec.Template.Annotations, "prometheus.io/scrape")
			return objs
		}},
		{"scrape port not declared", "metrics", "9090 is not a port", func(t *testing.T, objs []object) []object {
			deployment(t, objs, "user").Spec.Template.Annotations["prometheus.io/port"] = "9090"
			return objs
		}},
		{"etcd member missing", "etcd", "does not list pod etcd-2", func(t *testing.T, objs []object) []object {
			env := find(t, objs, "StatefulSet", "etcd").Obj.(*appsv1.StatefulSet).Spec.Template.Spec.Containers[0].Env
			env[0].Value = "etcd-0=http://etcd-0.etcd:2380,etcd-1=http://etcd-1.etcd:2380"
			return objs
		}},
		{"Service selects nothing", "references", "matches no pod template", func(t *testing.T, objs []object) []object {
			find(t, objs, "Service", "user").Obj.(*corev1.Service).Spec.Selector["app.kubernetes.io/name"] = "usr"
			return objs
		}},
		{"Service targets an undeclared port", "references", "targets grpc", func(t *testing.T, objs []object) []object {
			find(t, objs, "Service", "user").Obj.(*corev1.Service).Spec.Ports[0].TargetPort.StrVal = "grpc"
			return objs
		}},
		{"no PodDisruptionBudget", "disruption", "no PodDisruptionBudget selects its pods", func(t *testing.T, objs []object) []object {
			return without(objs, "PodDisruptionBudget", "user")
		}},
		{"budget blocks drains", "disruption", "maxUnavailable 0", func(t *testing.T, objs []object) []object {
			find(t, objs, "PodDisruptionBudget", "etcd").Obj.(*policyv1.PodDisruptionBudget).Spec.MaxUnavailable = ptr(intstr.FromInt32(0))
			return objs
		}},
		{"autoscaled Deployment sets replicas", "autoscaling", "leave it to the autoscaler", func(t *testing.T, objs []object) []object {
			deployment(t, objs, "api-gateway").Spec.Replicas = ptr(int32(2))
			return objs
		}},
		{"required autoscaler missing", "autoscaling", "has no HorizontalPodAutoscaler", func(t *testing.T, objs []object) []object {
			return without(objs, "HorizontalPodAutoscaler", "api-gateway")
		}},
		{"no default deny", "network", "no default-deny ingress NetworkPolicy", func(t *testing.T, objs []object) []object {
			return without(objs, "NetworkPolicy", "default-deny-ingress")
		}},
		{"a service reachable from outside", "network", "only the gateway may be reachable from outside", func(t *testing.T, objs []object) []object {
			np := networkPolicy(t, objs, "services-rpc")
			np.Spec.Ingress[0].From[0].PodSelector = nil
			np.Spec.Ingress[0].From[0].NamespaceSelector = np.Spec.PodSelector.DeepCopy()
			return objs
		}},
		{"gateway unreachable from the ingress controller", "network", "admits the ingress controller", func(t *testing.T, objs []object) []object {
			return without(objs, "NetworkPolicy", "api-gateway-from-ingress")
		}},
		{"no body size annotation", "ingress", "no nginx.ingress.kubernetes.io/proxy-body-size", func(t *testing.T, objs []object) []object {
			delete(ingress(t, objs).Annotations, bodySizeAnnotation)
			return objs
		}},
		{"body size not above the upload cap", "ingress", "not above the gateway's upload cap", func(t *testing.T, objs []object) []object {
			ingress(t, objs).Annotations[bodySizeAnnotation] = "100m"
			return objs
		}},
		{"ingress backend missing", "ingress", "Service api is not in the manifest", func(t *testing.T, objs []object) []object {
			ingress(t, objs).Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name = "api"
			return objs
		}},
		{"object defined twice", "unique", "defined twice", func(t *testing.T, objs []object) []object {
			return append(objs, find(t, objs, "Service", "user"))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs := tc.breach(t, loadGood(t))
			findings := newChecker(goodOptions()).check(newManifest(objs))
			for _, f := range findings {
				if f.Rule == tc.rule && strings.Contains(f.Msg, tc.msg) {
					return
				}
			}
			t.Errorf("no [%s] finding containing %q; got %v", tc.rule, tc.msg, findings)
		})
	}
}
