package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// object is one decoded document of the rendered stream.
type object struct {
	Doc  int // 1-based position in the stream
	Kind string
	Meta metav1.Object
	Obj  runtime.Object
}

func (o object) String() string {
	if ns := o.Meta.GetNamespace(); ns != "" {
		return fmt.Sprintf("%s %s/%s", o.Kind, ns, o.Meta.GetName())
	}
	return fmt.Sprintf("%s %s", o.Kind, o.Meta.GetName())
}

// newDecoder decodes YAML into the Kubernetes API types the manifests may use, strictly: a field
// the type does not have, or a field given twice, is an error rather than silently dropped. A
// kind outside these groups is an error too, so that nothing goes unchecked.
func newDecoder() (runtime.Decoder, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, policyv1.AddToScheme,
		autoscalingv2.AddToScheme, networkingv1.AddToScheme, rbacv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	return json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
		json.SerializerOptions{Yaml: true, Strict: true}), nil
}

// decodeAll splits a multi-document YAML stream and decodes each document. Every document that
// does not decode is reported; the ones that do are returned.
func decodeAll(r io.Reader) ([]object, []error) {
	dec, err := newDecoder()
	if err != nil {
		return nil, []error{err}
	}
	var objs []object
	var errs []error
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	for doc := 1; ; doc++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", doc, err))
			break
		}
		if len(bytes.TrimSpace(stripComments(raw))) == 0 {
			doc--
			continue
		}
		obj, gvk, err := dec.Decode(raw, nil, nil)
		if err != nil {
			errs = append(errs, fmt.Errorf("document %d%s: %w", doc, identify(raw), err))
			continue
		}
		meta, ok := obj.(metav1.Object)
		if !ok {
			errs = append(errs, fmt.Errorf("document %d: %s has no object metadata", doc, gvk.Kind))
			continue
		}
		if meta.GetName() == "" {
			errs = append(errs, fmt.Errorf("document %d: %s without metadata.name", doc, gvk.Kind))
			continue
		}
		objs = append(objs, object{Doc: doc, Kind: gvk.Kind, Meta: meta, Obj: obj})
	}
	return objs, errs
}

// identify names a document that did not decode (" (Deployment tiktok/user)"), as far as a
// lenient reading of its kind and metadata allows, so that the error can be found in the sources.
func identify(raw []byte) string {
	var head struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(raw, &head); err != nil || head.Kind == "" {
		return ""
	}
	name := head.Metadata.Name
	if head.Metadata.Namespace != "" {
		name = head.Metadata.Namespace + "/" + name
	}
	return fmt.Sprintf(" (%s %s)", head.Kind, name)
}

// stripComments drops comment-only lines, so that a document of comments counts as empty.
func stripComments(raw []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] == '#' {
			continue
		}
		out = append(out, line...)
		out = append(out, '\n')
	}
	return out
}
