package main

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// checkSecrets keeps credentials out of the repository: no Secret object is rendered (its data
// would be committed), a variable or ConfigMap key named like a credential never holds a literal,
// and no URL or DSN carries a literal password.
func (c *checker) checkSecrets(m *manifest) []finding {
	var out []finding
	for _, o := range m.Objects {
		switch v := o.Obj.(type) {
		case *corev1.Secret:
			out = append(out, finding{o.String(), "no-secrets",
				"Secret objects must not be rendered: their values would be committed; create them with kubectl (docs/deployment.md)"})
		case *corev1.ConfigMap:
			keys := make([]string, 0, len(v.Data))
			for k := range v.Data {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if c.secretName.MatchString(k) && !notSecret(k) {
					out = append(out, finding{o.String(), "no-secrets",
						fmt.Sprintf("key %s looks like a credential: put it in a Secret", k)})
				}
				if msg := c.literalPassword(v.Data[k]); msg != "" {
					out = append(out, finding{o.String(), "no-secrets", fmt.Sprintf("key %s: %s", k, msg)})
				}
			}
		}
	}
	for _, w := range m.Workloads {
		for _, ct := range containers(&w.Template.Spec) {
			for _, e := range ct.Env {
				if e.ValueFrom != nil {
					continue
				}
				if c.secretName.MatchString(e.Name) && !notSecret(e.Name) {
					out = append(out, finding{w.String(), "no-secrets",
						fmt.Sprintf("%s: %s has a literal value: take it from a Secret (secretKeyRef)", ct, e.Name)})
				}
				if msg := c.literalPassword(e.Value); msg != "" {
					out = append(out, finding{w.String(), "no-secrets", fmt.Sprintf("%s: %s: %s", ct, e.Name, msg)})
				}
			}
		}
	}
	return out
}

// literalPassword reports a "user:password@" whose password is neither empty nor a $(VAR)
// reference to a variable filled from a Secret.
func (c *checker) literalPassword(value string) string {
	for _, m := range c.credential.FindAllStringSubmatch(value, -1) {
		pass := m[2]
		if pass == "" || c.varRef.FindString(pass) == pass {
			continue
		}
		return fmt.Sprintf("user %s has a literal password: reference a variable from a Secret, e.g. %s:$(MYSQL_PASSWORD)@", m[1], m[1])
	}
	return ""
}
