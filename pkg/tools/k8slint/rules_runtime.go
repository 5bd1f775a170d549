package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// checkEnvRefs finds settings that would silently not arrive: a $(VAR) the kubelet cannot expand
// (it leaves the text as is when VAR is not defined before the use), and a ConfigMap that a pod
// reads but the overlay does not render.
func (c *checker) checkEnvRefs(m *manifest) []finding {
	var out []finding
	for _, w := range m.Workloads {
		ns := w.Meta.GetNamespace()
		report := func(format string, args ...any) {
			out = append(out, finding{w.String(), "env", fmt.Sprintf(format, args...)})
		}
		for _, ct := range containers(&w.Template.Spec) {
			defined := map[string]bool{}
			opaque := false // envFrom a Secret: its keys are not in the manifest
			for _, src := range ct.EnvFrom {
				switch {
				case src.ConfigMapRef != nil:
					cm, ok := m.ConfigMaps[key(ns, src.ConfigMapRef.Name)]
					if !ok {
						if src.ConfigMapRef.Optional == nil || !*src.ConfigMapRef.Optional {
							report("%s: envFrom ConfigMap %s is not in the manifest", ct, src.ConfigMapRef.Name)
						}
						continue
					}
					for k := range cm.Data {
						defined[src.Prefix+k] = true
					}
				case src.SecretRef != nil:
					opaque = true
				}
			}
			for _, e := range ct.Env {
				if e.ValueFrom == nil && !opaque {
					for _, ref := range c.varRef.FindAllStringSubmatch(e.Value, -1) {
						if !defined[ref[1]] {
							report("%s: %s refers to $(%s), which is not defined before it", ct, e.Name, ref[1])
						}
					}
				}
				if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil {
					ref := e.ValueFrom.ConfigMapKeyRef
					cm, ok := m.ConfigMaps[key(ns, ref.Name)]
					if (!ok || !hasKey(cm, ref.Key)) && (ref.Optional == nil || !*ref.Optional) {
						report("%s: %s reads key %s of ConfigMap %s, which the manifest does not have", ct, e.Name, ref.Key, ref.Name)
					}
				}
				defined[e.Name] = true
			}
			if opaque {
				continue
			}
			for _, arg := range append(append([]string{}, ct.Command...), ct.Args...) {
				for _, ref := range c.varRef.FindAllStringSubmatch(arg, -1) {
					if !defined[ref[1]] {
						report("%s: argument %q refers to $(%s), which is not defined", ct, arg, ref[1])
					}
				}
			}
		}
		for _, v := range w.Template.Spec.Volumes {
			if v.ConfigMap == nil {
				continue
			}
			if _, ok := m.ConfigMaps[key(ns, v.ConfigMap.Name)]; !ok && (v.ConfigMap.Optional == nil || !*v.ConfigMap.Optional) {
				report("volume %s: ConfigMap %s is not in the manifest", v.Name, v.ConfigMap.Name)
			}
		}
	}
	return out
}

func hasKey(cm *corev1.ConfigMap, k string) bool {
	_, ok := cm.Data[k]
	return ok
}

// checkShutdown keeps terminationGracePeriodSeconds consistent with what an application pod does
// when stopped: its preStop sleep (while endpoints drain), then the binary's shutdown grace, then
// a few seconds to flush spans and close connections. A shorter period gets it killed mid-request.
func (c *checker) checkShutdown(m *manifest) []finding {
	const margin = 5 * time.Second
	var out []finding
	for _, w := range m.Workloads {
		if w.Batch || !w.isApp() {
			continue
		}
		spec := &w.Template.Spec
		if spec.TerminationGracePeriodSeconds == nil {
			out = append(out, finding{w.String(), "shutdown", "terminationGracePeriodSeconds is not set"})
			continue
		}
		grace := time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second
		for _, ct := range spec.Containers {
			need := preStopSleep(&ct) + c.opts.ShutdownGrace + margin
			if grace < need {
				out = append(out, finding{w.String(), "shutdown", fmt.Sprintf(
					"terminationGracePeriodSeconds %s is shorter than container %s needs: preStop %s + shutdown grace %s + %s",
					grace, ct.Name, preStopSleep(&ct), c.opts.ShutdownGrace, margin)})
			}
		}
	}
	return out
}

// preStopSleep is how long a container's preStop hook sleeps: the sleep action, or an exec of
// `sleep N` (directly or through sh -c).
func preStopSleep(ct *corev1.Container) time.Duration {
	if ct.Lifecycle == nil || ct.Lifecycle.PreStop == nil {
		return 0
	}
	h := ct.Lifecycle.PreStop
	if h.Sleep != nil {
		return time.Duration(h.Sleep.Seconds) * time.Second
	}
	if h.Exec == nil {
		return 0
	}
	words := strings.Fields(strings.Join(h.Exec.Command, " "))
	for i, word := range words {
		if strings.HasSuffix(word, "sleep") && i+1 < len(words) {
			if n, err := strconv.ParseFloat(strings.Trim(words[i+1], `'"`), 64); err == nil {
				return time.Duration(n * float64(time.Second))
			}
		}
	}
	return 0
}

// checkAppEnv makes sure an overlay runs the application in the mode it claims: production mode
// is what makes the gateway refuse the committed development JWT secret.
func (c *checker) checkAppEnv(m *manifest) []finding {
	if c.opts.RequireEnv == "" {
		return nil
	}
	var out []finding
	for _, w := range m.Workloads {
		if !w.isApp() {
			continue
		}
		for _, ct := range containers(&w.Template.Spec) {
			if got := m.envOf(w.Meta.GetNamespace(), ct.Container)["TIKTOK_ENV"]; got != c.opts.RequireEnv {
				out = append(out, finding{w.String(), "mode", fmt.Sprintf("%s runs with TIKTOK_ENV=%q, want %q", ct, got, c.opts.RequireEnv)})
			}
		}
	}
	return out
}

// checkScrape asks every application pod to be scraped, and every scraped pod to name a port it
// declares.
func (c *checker) checkScrape(m *manifest) []finding {
	var out []finding
	for _, w := range m.Workloads {
		ann := w.Template.Annotations
		if ann["prometheus.io/scrape"] != "true" {
			if w.isApp() && !w.Batch {
				out = append(out, finding{w.String(), "metrics", `pod template lacks the annotation prometheus.io/scrape: "true"`})
			}
			continue
		}
		port, err := strconv.Atoi(ann["prometheus.io/port"])
		if err != nil {
			out = append(out, finding{w.String(), "metrics", fmt.Sprintf("prometheus.io/port %q is not a port number", ann["prometheus.io/port"])})
			continue
		}
		if !declaresPort(&w.Template.Spec, int32(port)) {
			out = append(out, finding{w.String(), "metrics", fmt.Sprintf("prometheus.io/port %d is not a port of any container", port)})
		}
	}
	return out
}

func declaresPort(spec *corev1.PodSpec, port int32) bool {
	for _, ct := range spec.Containers {
		for _, p := range ct.Ports {
			if p.ContainerPort == port {
				return true
			}
		}
	}
	return false
}

// checkEtcdCluster matches an etcd StatefulSet's ETCD_INITIAL_CLUSTER with its replicas: a member
// missing from the list cannot join, and a listed member that never starts costs the quorum.
func (c *checker) checkEtcdCluster(m *manifest) []finding {
	var out []finding
	for _, o := range m.Objects {
		sts, ok := o.Obj.(*appsv1.StatefulSet)
		if !ok {
			continue
		}
		replicas := int32(1)
		if sts.Spec.Replicas != nil {
			replicas = *sts.Spec.Replicas
		}
		for _, ct := range sts.Spec.Template.Spec.Containers {
			for _, e := range ct.Env {
				if e.Name != "ETCD_INITIAL_CLUSTER" || e.ValueFrom != nil {
					continue
				}
				want := map[string]bool{}
				for i := int32(0); i < replicas; i++ {
					want[fmt.Sprintf("%s-%d", sts.Name, i)] = true
				}
				members := strings.Split(e.Value, ",")
				for _, member := range members {
					name, _, _ := strings.Cut(member, "=")
					if !want[name] {
						out = append(out, finding{o.String(), "etcd", fmt.Sprintf("ETCD_INITIAL_CLUSTER lists %q, which is not a pod of %d replicas", name, replicas)})
					}
					delete(want, name)
				}
				for i := int32(0); i < replicas; i++ {
					if name := fmt.Sprintf("%s-%d", sts.Name, i); want[name] {
						out = append(out, finding{o.String(), "etcd", fmt.Sprintf("ETCD_INITIAL_CLUSTER does not list pod %s", name)})
					}
				}
			}
		}
	}
	return out
}
