package main

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const (
	bodySizeAnnotation = "nginx.ingress.kubernetes.io/proxy-body-size"
	// The gateway's media.max_upload_bytes when TIKTOK_MEDIA_MAX_UPLOAD_BYTES is not set.
	defaultMaxUploadBytes = 100 << 20
)

// checkNetworkPolicies requires a default-deny ingress policy in every namespace that runs pods,
// and lets only the gateway admit traffic from outside its namespace: the services, etcd and the
// stores are reachable from inside only.
func (c *checker) checkNetworkPolicies(m *manifest) []finding {
	var out []finding
	denied := map[string]bool{}
	gatewayExposed := map[string]bool{}
	for _, o := range m.Objects {
		np, ok := o.Obj.(*networkingv1.NetworkPolicy)
		if !ok {
			continue
		}
		report := func(format string, args ...any) {
			out = append(out, finding{o.String(), "network", fmt.Sprintf(format, args...)})
		}
		sel, err := selectorOf(&np.Spec.PodSelector)
		if err != nil {
			report("%v", err)
			continue
		}
		governsIngress := len(np.Spec.PolicyTypes) == 0
		for _, t := range np.Spec.PolicyTypes {
			governsIngress = governsIngress || t == networkingv1.PolicyTypeIngress
		}
		if sel.Empty() && governsIngress && len(np.Spec.Ingress) == 0 {
			denied[np.Namespace] = true
		}
		targets := m.selecting(np.Namespace, sel)
		if len(targets) == 0 {
			report("podSelector matches no pod template")
		}
		for i, rule := range np.Spec.Ingress {
			if admitsOutside(rule, np.Namespace) {
				if sel.Empty() {
					report("ingress rule %d admits traffic from outside the namespace to every pod", i)
				}
				for _, w := range targets {
					if w.Template.Labels[componentLabel] != componentGateway {
						report("ingress rule %d admits traffic from outside the namespace to %s; only the gateway may be reachable from outside", i, w)
					} else {
						gatewayExposed[np.Namespace] = true
					}
				}
			}
			for _, p := range rule.Ports {
				if p.Port != nil && p.Port.Type == intstr.String && !anyHasPort(targets, *p.Port) {
					report("ingress rule %d names port %q, which none of its pods declares", i, p.Port.StrVal)
				}
			}
		}
	}
	for _, ns := range namespacesWithPods(m) {
		if !denied[ns] {
			out = append(out, finding{"namespace " + ns, "network", "no default-deny ingress NetworkPolicy (empty podSelector, no ingress rules)"})
		}
	}
	for _, o := range m.Objects {
		if _, ok := o.Obj.(*networkingv1.Ingress); ok && !gatewayExposed[o.Meta.GetNamespace()] {
			out = append(out, finding{o.String(), "network", "no NetworkPolicy admits the ingress controller to the gateway"})
		}
	}
	return out
}

// admitsOutside tells whether a rule admits peers from other namespaces or from IP ranges. A
// namespaceSelector naming only the policy's own namespace counts as inside.
func admitsOutside(rule networkingv1.NetworkPolicyIngressRule, namespace string) bool {
	if len(rule.From) == 0 {
		return true
	}
	for _, peer := range rule.From {
		if peer.IPBlock != nil {
			return true
		}
		if ns := peer.NamespaceSelector; ns != nil {
			own := len(ns.MatchExpressions) == 0 && len(ns.MatchLabels) == 1 &&
				ns.MatchLabels["kubernetes.io/metadata.name"] == namespace
			if !own {
				return true
			}
		}
	}
	return false
}

func anyHasPort(ws []workload, port intstr.IntOrString) bool {
	for _, w := range ws {
		if podHasPort(&w.Template.Spec, port) {
			return true
		}
	}
	return false
}

func namespacesWithPods(m *manifest) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range m.Workloads {
		if ns := w.Meta.GetNamespace(); !seen[ns] {
			seen[ns] = true
			out = append(out, ns)
		}
	}
	return out
}

// checkIngresses requires each Ingress to route to a Service port that exists, with a class, and
// with a body limit above the gateway's upload cap: the gateway then refuses an over-long upload
// with its JSON error while nginx never answers the phone with an HTML 413 for an allowed size.
func (c *checker) checkIngresses(m *manifest) []finding {
	var out []finding
	maxUpload := int64(0)
	for _, w := range m.Workloads {
		if w.Template.Labels[componentLabel] != componentGateway {
			continue
		}
		for _, ct := range w.Template.Spec.Containers {
			limit := int64(defaultMaxUploadBytes)
			if v, ok := m.envOf(w.Meta.GetNamespace(), &ct)["TIKTOK_MEDIA_MAX_UPLOAD_BYTES"]; ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					out = append(out, finding{w.String(), "ingress", fmt.Sprintf("TIKTOK_MEDIA_MAX_UPLOAD_BYTES %q is not a number", v)})
					continue
				}
				limit = n
			}
			maxUpload = max(maxUpload, limit)
		}
	}
	for _, o := range m.Objects {
		ing, ok := o.Obj.(*networkingv1.Ingress)
		if !ok {
			continue
		}
		report := func(format string, args ...any) {
			out = append(out, finding{o.String(), "ingress", fmt.Sprintf(format, args...)})
		}
		if ing.Spec.IngressClassName == nil {
			report("no ingressClassName")
		}
		raw, ok := ing.Annotations[bodySizeAnnotation]
		if !ok {
			report("no %s annotation: uploads would be cut at the controller's default (1m)", bodySizeAnnotation)
		} else if size, err := nginxSize(raw); err != nil {
			report("%s: %v", bodySizeAnnotation, err)
		} else if size != 0 && size <= maxUpload {
			report("%s %s (%d bytes) is not above the gateway's upload cap of %d bytes plus the multipart envelope", bodySizeAnnotation, raw, size, maxUpload)
		}
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			for _, p := range rule.HTTP.Paths {
				if msg := backendProblem(m, ing.Namespace, p.Backend); msg != "" {
					report("path %s: %s", p.Path, msg)
				}
			}
		}
	}
	return out
}

// nginxSize reads an nginx size: bytes, or a number with k, m or g (powers of 1024); 0 turns the
// check off.
func nginxSize(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1<<10, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "m"):
		mult, s = 1<<20, strings.TrimSuffix(s, "m")
	case strings.HasSuffix(s, "g"):
		mult, s = 1<<30, strings.TrimSuffix(s, "g")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not an nginx size such as 110m", s)
	}
	return n * mult, nil
}

func backendProblem(m *manifest, namespace string, b networkingv1.IngressBackend) string {
	if b.Service == nil {
		return "backend is not a Service"
	}
	for _, o := range m.Objects {
		svc, ok := o.Obj.(*corev1.Service)
		if !ok || svc.Name != b.Service.Name || svc.Namespace != namespace {
			continue
		}
		for _, p := range svc.Spec.Ports {
			if p.Name == b.Service.Port.Name && b.Service.Port.Name != "" || p.Port == b.Service.Port.Number && b.Service.Port.Number != 0 {
				return ""
			}
		}
		return fmt.Sprintf("Service %s has no port %s", svc.Name, portLabel(b.Service.Port))
	}
	return fmt.Sprintf("Service %s is not in the manifest", b.Service.Name)
}

func portLabel(p networkingv1.ServiceBackendPort) string {
	if p.Name != "" {
		return p.Name
	}
	return strconv.Itoa(int(p.Number))
}
