package main

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Labels the manifests use to say what a pod is. The application's own processes (the gateway,
// the RPC services, the worker) carry component gateway, service or worker.
const (
	componentLabel   = "app.kubernetes.io/component"
	componentGateway = "gateway"
)

// isAppComponent tells the application's own pods from the infrastructure around them.
func isAppComponent(c string) bool { return c == "gateway" || c == "service" || c == "worker" }

// workload is an object that owns a pod template.
type workload struct {
	object
	Template *corev1.PodTemplateSpec
	Replicas *int32
	// Batch pods run to completion (Job, CronJob): they need no probes.
	Batch bool
}

func (w workload) isApp() bool { return isAppComponent(w.Template.Labels[componentLabel]) }

// manifest is the rendered output of one overlay, indexed for the rules.
type manifest struct {
	Objects    []object
	Workloads  []workload
	ConfigMaps map[string]*corev1.ConfigMap // by namespace/name
}

func newManifest(objs []object) *manifest {
	m := &manifest{Objects: objs, ConfigMaps: map[string]*corev1.ConfigMap{}}
	for _, o := range objs {
		switch v := o.Obj.(type) {
		case *appsv1.Deployment:
			m.Workloads = append(m.Workloads, workload{object: o, Template: &v.Spec.Template, Replicas: v.Spec.Replicas})
		case *appsv1.StatefulSet:
			m.Workloads = append(m.Workloads, workload{object: o, Template: &v.Spec.Template, Replicas: v.Spec.Replicas})
		case *appsv1.DaemonSet:
			m.Workloads = append(m.Workloads, workload{object: o, Template: &v.Spec.Template})
		case *batchv1.Job:
			m.Workloads = append(m.Workloads, workload{object: o, Template: &v.Spec.Template, Batch: true})
		case *batchv1.CronJob:
			m.Workloads = append(m.Workloads, workload{object: o, Template: &v.Spec.JobTemplate.Spec.Template, Batch: true})
		case *corev1.ConfigMap:
			m.ConfigMaps[key(o.Meta.GetNamespace(), o.Meta.GetName())] = v
		}
	}
	return m
}

func key(namespace, name string) string { return namespace + "/" + name }

// selecting returns the workloads in namespace whose pod labels sel matches.
func (m *manifest) selecting(namespace string, sel labels.Selector) []workload {
	var out []workload
	for _, w := range m.Workloads {
		if w.Meta.GetNamespace() == namespace && sel.Matches(labels.Set(w.Template.Labels)) {
			out = append(out, w)
		}
	}
	return out
}

// selectorOf converts a label selector of the API; an invalid one is reported by the caller.
func selectorOf(ls *metav1.LabelSelector) (labels.Selector, error) {
	if ls == nil {
		return labels.Nothing(), nil
	}
	return metav1.LabelSelectorAsSelector(ls)
}

// containers lists a pod's containers, init containers first, with a flag for the init ones.
func containers(spec *corev1.PodSpec) []podContainer {
	var out []podContainer
	for i := range spec.InitContainers {
		out = append(out, podContainer{Container: &spec.InitContainers[i], Init: true})
	}
	for i := range spec.Containers {
		out = append(out, podContainer{Container: &spec.Containers[i]})
	}
	return out
}

type podContainer struct {
	*corev1.Container
	Init bool
}

func (c podContainer) String() string {
	if c.Init {
		return "init container " + c.Name
	}
	return "container " + c.Name
}

// envOf resolves the environment a container sees, as far as the manifest tells: envFrom
// ConfigMaps first, then env entries in order. A value from a Secret or the downward API is
// marked as such, since its content is not in the manifest.
func (m *manifest) envOf(namespace string, c *corev1.Container) map[string]string {
	env := map[string]string{}
	for _, src := range c.EnvFrom {
		if src.ConfigMapRef == nil {
			continue
		}
		if cm, ok := m.ConfigMaps[key(namespace, src.ConfigMapRef.Name)]; ok {
			for k, v := range cm.Data {
				env[src.Prefix+k] = v
			}
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			if cm, ok := m.ConfigMaps[key(namespace, ref.Name)]; ok {
				env[e.Name] = cm.Data[ref.Key]
			}
		default:
			env[e.Name] = "<from " + valueSource(e.ValueFrom) + ">"
		}
	}
	return env
}

func valueSource(v *corev1.EnvVarSource) string {
	switch {
	case v.SecretKeyRef != nil:
		return "secret " + v.SecretKeyRef.Name
	case v.FieldRef != nil:
		return "field " + v.FieldRef.FieldPath
	case v.ResourceFieldRef != nil:
		return "resource " + v.ResourceFieldRef.Resource
	}
	return "elsewhere"
}

// finding is one broken policy, with the object and the rule it breaks.
type finding struct {
	Where string
	Rule  string
	Msg   string
}

func (f finding) String() string { return fmt.Sprintf("%s: [%s] %s", f.Where, f.Rule, f.Msg) }
