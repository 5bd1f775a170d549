package main

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// checkServices makes sure every Service with a selector reaches pods, on ports they declare.
// A typo in either is accepted by the API server and only shows as a Service without endpoints.
func (c *checker) checkServices(m *manifest) []finding {
	var out []finding
	for _, o := range m.Objects {
		svc, ok := o.Obj.(*corev1.Service)
		if !ok || svc.Spec.Type == corev1.ServiceTypeExternalName || len(svc.Spec.Selector) == 0 {
			continue
		}
		targets := m.selecting(svc.Namespace, labels.SelectorFromSet(svc.Spec.Selector))
		if len(targets) == 0 {
			out = append(out, finding{o.String(), "references", fmt.Sprintf("selector %v matches no pod template", svc.Spec.Selector)})
			continue
		}
		for _, p := range svc.Spec.Ports {
			target := p.TargetPort
			if target.Type == intstr.Int && target.IntVal == 0 {
				target = intstr.FromInt32(p.Port)
			}
			for _, w := range targets {
				if !podHasPort(&w.Template.Spec, target) {
					out = append(out, finding{o.String(), "references", fmt.Sprintf("port %s targets %s, which %s does not declare", p.Name, target.String(), w)})
				}
			}
		}
	}
	return out
}

func podHasPort(spec *corev1.PodSpec, port intstr.IntOrString) bool {
	for _, ct := range spec.Containers {
		for _, p := range ct.Ports {
			if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
				return true
			}
		}
	}
	return false
}

// checkDisruptionBudgets gives every Deployment and StatefulSet a PodDisruptionBudget, so that a
// node drain takes their pods one at a time, and makes sure no budget blocks drains for ever or
// selects nothing.
func (c *checker) checkDisruptionBudgets(m *manifest) []finding {
	var out []finding
	type budget struct {
		obj object
		pdb *policyv1.PodDisruptionBudget
	}
	var budgets []budget
	for _, o := range m.Objects {
		pdb, ok := o.Obj.(*policyv1.PodDisruptionBudget)
		if !ok {
			continue
		}
		budgets = append(budgets, budget{o, pdb})
		sel, err := selectorOf(pdb.Spec.Selector)
		if err != nil {
			out = append(out, finding{o.String(), "disruption", err.Error()})
			continue
		}
		targets := m.selecting(pdb.Namespace, sel)
		if len(targets) == 0 || pdb.Spec.Selector == nil || len(pdb.Spec.Selector.MatchLabels)+len(pdb.Spec.Selector.MatchExpressions) == 0 {
			out = append(out, finding{o.String(), "disruption", "selector matches no pod template"})
		}
		if (pdb.Spec.MinAvailable == nil) == (pdb.Spec.MaxUnavailable == nil) {
			out = append(out, finding{o.String(), "disruption", "set exactly one of minAvailable and maxUnavailable"})
		}
		if mu := pdb.Spec.MaxUnavailable; mu != nil && mu.Type == intstr.Int && mu.IntVal == 0 {
			out = append(out, finding{o.String(), "disruption", "maxUnavailable 0 blocks every node drain"})
		}
		if ma := pdb.Spec.MinAvailable; ma != nil && ma.Type == intstr.Int {
			for _, w := range targets {
				if w.Replicas != nil && ma.IntVal >= *w.Replicas && *w.Replicas > 0 {
					out = append(out, finding{o.String(), "disruption", fmt.Sprintf("minAvailable %d with %d replicas of %s blocks every node drain", ma.IntVal, *w.Replicas, w)})
				}
			}
		}
	}
	for _, w := range m.Workloads {
		if _, ok := w.Obj.(*appsv1.Deployment); !ok {
			if _, ok := w.Obj.(*appsv1.StatefulSet); !ok {
				continue
			}
		}
		covered := false
		for _, b := range budgets {
			sel, err := selectorOf(b.pdb.Spec.Selector)
			if err == nil && b.pdb.Namespace == w.Meta.GetNamespace() && !sel.Empty() && sel.Matches(labels.Set(w.Template.Labels)) {
				covered = true
			}
		}
		if !covered {
			out = append(out, finding{w.String(), "disruption", "no PodDisruptionBudget selects its pods"})
		}
	}
	return out
}

// checkAutoscalers requires an HPA for each name in options.RequireHPA, aimed at a workload that
// exists and that leaves replicas unset (otherwise every apply resets the count the HPA chose).
func (c *checker) checkAutoscalers(m *manifest) []finding {
	var out []finding
	scaled := map[string]bool{}
	for _, o := range m.Objects {
		hpa, ok := o.Obj.(*autoscalingv2.HorizontalPodAutoscaler)
		if !ok {
			continue
		}
		ref := hpa.Spec.ScaleTargetRef
		scaled[ref.Name] = true
		var target *workload
		for i, w := range m.Workloads {
			if w.Kind == ref.Kind && w.Meta.GetName() == ref.Name && w.Meta.GetNamespace() == hpa.Namespace {
				target = &m.Workloads[i]
			}
		}
		if target == nil {
			out = append(out, finding{o.String(), "autoscaling", fmt.Sprintf("scales %s %s, which is not in the manifest", ref.Kind, ref.Name)})
			continue
		}
		if target.Replicas != nil {
			out = append(out, finding{o.String(), "autoscaling", fmt.Sprintf("%s sets replicas; leave it to the autoscaler", target)})
		}
		if hpa.Spec.MinReplicas != nil && *hpa.Spec.MinReplicas > hpa.Spec.MaxReplicas {
			out = append(out, finding{o.String(), "autoscaling", "minReplicas exceeds maxReplicas"})
		}
		if len(hpa.Spec.Metrics) == 0 {
			out = append(out, finding{o.String(), "autoscaling", "no metrics to scale on"})
		}
	}
	for _, name := range c.opts.RequireHPA {
		if !scaled[name] {
			out = append(out, finding{"Deployment " + name, "autoscaling", "has no HorizontalPodAutoscaler"})
		}
	}
	return out
}
