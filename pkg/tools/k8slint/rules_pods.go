package main

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// checkPods holds every container of every pod template to the same bar: a pinned image,
// requests and limits, the "restricted" security profile with a read-only root filesystem, and
// (for long-running containers) readiness and liveness probes on ports the container declares.
func (c *checker) checkPods(m *manifest) []finding {
	var out []finding
	for _, w := range m.Workloads {
		report := func(rule, format string, args ...any) {
			out = append(out, finding{w.String(), rule, fmt.Sprintf(format, args...)})
		}
		spec := &w.Template.Spec
		if spec.HostNetwork || spec.HostPID || spec.HostIPC {
			report("security", "pod shares a host namespace (hostNetwork, hostPID or hostIPC)")
		}
		for _, ct := range containers(spec) {
			if msg := imageProblem(ct.Image); msg != "" {
				report("image", "%s: %s", ct, msg)
			}
			for _, msg := range resourceProblems(ct.Resources) {
				report("resources", "%s: %s", ct, msg)
			}
			for _, msg := range securityProblems(spec.SecurityContext, ct.SecurityContext) {
				report("security", "%s: %s", ct, msg)
			}
			if !ct.Init && !w.Batch {
				if ct.ReadinessProbe == nil {
					report("probes", "%s has no readinessProbe", ct)
				}
				if ct.LivenessProbe == nil {
					report("probes", "%s has no livenessProbe", ct)
				}
			}
			probes := []struct {
				name  string
				probe *corev1.Probe
			}{{"readinessProbe", ct.ReadinessProbe}, {"livenessProbe", ct.LivenessProbe}, {"startupProbe", ct.StartupProbe}}
			for _, p := range probes {
				if msg := probePortProblem(p.probe, ct.Container); msg != "" {
					report("probes", "%s: %s %s", ct, p.name, msg)
				}
			}
		}
	}
	return out
}

// imageProblem refuses an image without a tag or digest, and the tag "latest": a rollout must
// name exactly what it runs, so that a rollback returns to it.
func imageProblem(image string) string {
	if image == "" {
		return "no image"
	}
	if at := strings.Index(image, "@"); at >= 0 {
		if strings.HasPrefix(image[at+1:], "sha256:") {
			return ""
		}
		return fmt.Sprintf("image %q has a malformed digest", image)
	}
	colon, slash := strings.LastIndex(image, ":"), strings.LastIndex(image, "/")
	if colon <= slash {
		return fmt.Sprintf("image %q has no tag: pin a version (kustomize images:)", image)
	}
	if tag := image[colon+1:]; tag == "latest" || tag == "" {
		return fmt.Sprintf("image %q uses a moving tag: pin a version", image)
	}
	return ""
}

// resourceProblems asks for CPU and memory requests (the scheduler and the HPA need them) and
// limits (a runaway container must not starve its node), with requests within limits.
func resourceProblems(r corev1.ResourceRequirements) []string {
	var out []string
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, hasReq := r.Requests[name]
		limit, hasLimit := r.Limits[name]
		if !hasReq {
			out = append(out, fmt.Sprintf("no %s request", name))
		}
		if !hasLimit {
			out = append(out, fmt.Sprintf("no %s limit", name))
		}
		if hasReq && hasLimit && req.Cmp(limit) > 0 {
			out = append(out, fmt.Sprintf("%s request %s exceeds its limit %s", name, req.String(), limit.String()))
		}
	}
	return out
}

// securityProblems checks the effective settings (the container's own, else the pod's) against
// the "restricted" Pod Security Standard, plus a read-only root filesystem.
func securityProblems(pod *corev1.PodSecurityContext, ct *corev1.SecurityContext) []string {
	if pod == nil {
		pod = &corev1.PodSecurityContext{}
	}
	if ct == nil {
		ct = &corev1.SecurityContext{}
	}
	var out []string
	nonRoot, user := pod.RunAsNonRoot, pod.RunAsUser
	if ct.RunAsNonRoot != nil {
		nonRoot = ct.RunAsNonRoot
	}
	if ct.RunAsUser != nil {
		user = ct.RunAsUser
	}
	if nonRoot == nil || !*nonRoot {
		out = append(out, "runAsNonRoot is not true")
	}
	if user != nil && *user == 0 {
		out = append(out, "runs as user 0")
	}
	if ct.Privileged != nil && *ct.Privileged {
		out = append(out, "privileged")
	}
	if ct.AllowPrivilegeEscalation == nil || *ct.AllowPrivilegeEscalation {
		out = append(out, "allowPrivilegeEscalation is not false")
	}
	if ct.ReadOnlyRootFilesystem == nil || !*ct.ReadOnlyRootFilesystem {
		out = append(out, "readOnlyRootFilesystem is not true (mount an emptyDir where it writes)")
	}
	if caps := ct.Capabilities; caps == nil || !dropsAll(caps.Drop) {
		out = append(out, `capabilities do not drop "ALL"`)
	} else if len(caps.Add) > 0 {
		out = append(out, fmt.Sprintf("adds capabilities %v", caps.Add))
	}
	seccomp := pod.SeccompProfile
	if ct.SeccompProfile != nil {
		seccomp = ct.SeccompProfile
	}
	if seccomp == nil || (seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault && seccomp.Type != corev1.SeccompProfileTypeLocalhost) {
		out = append(out, "no RuntimeDefault (or Localhost) seccomp profile")
	}
	return out
}

func dropsAll(caps []corev1.Capability) bool {
	for _, c := range caps {
		if c == "ALL" {
			return true
		}
	}
	return false
}

// probePortProblem reports a probe without a handler, or one aimed at a named port the container
// does not declare (the kubelet would fail it for ever).
func probePortProblem(p *corev1.Probe, ct *corev1.Container) string {
	if p == nil {
		return ""
	}
	var port *intstr.IntOrString
	switch {
	case p.HTTPGet != nil:
		port = &p.HTTPGet.Port
	case p.TCPSocket != nil:
		port = &p.TCPSocket.Port
	case p.GRPC != nil, p.Exec != nil:
		return ""
	default:
		return "has no handler"
	}
	if port.Type != intstr.String {
		return ""
	}
	for _, cp := range ct.Ports {
		if cp.Name == port.StrVal {
			return ""
		}
	}
	return fmt.Sprintf("uses port %q, which the container does not declare", port.StrVal)
}
