package main

import (
	"regexp"
	"time"
)

// options are what differs between overlays: production requires autoscalers and production
// mode, a development cluster does not.
type options struct {
	// RequireHPA names the Deployments that must each have a HorizontalPodAutoscaler.
	RequireHPA []string
	// RequireEnv, when set, is the TIKTOK_ENV every application container must run with.
	RequireEnv string
	// ShutdownGrace is how long the binaries wait for in-flight work after SIGTERM
	// (http.shutdown_grace, server.shutdown_grace).
	ShutdownGrace time.Duration
}

// checker holds the options and the patterns the rules share.
type checker struct {
	opts options
	// varRef matches the kubelet's $(NAME) expansion in env values, command and args.
	varRef *regexp.Regexp
	// secretName matches variable and ConfigMap key names that hold credentials.
	secretName *regexp.Regexp
	// credential matches "user:password@" in a URL or DSN; the password must be a $(VAR).
	credential *regexp.Regexp
}

func newChecker(opts options) *checker {
	return &checker{
		opts:       opts,
		varRef:     regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)`),
		secretName: regexp.MustCompile(`(?i)(secret|passw(or)?d|token|private_?key|access_?key|api_?key)`),
		credential: regexp.MustCompile(`(?:^|[/\s=,])([^\s:/@=,'"]+):([^\s/@'"]*)@`),
	}
}

// notSecret lists names that look like credentials but are not: etcd's cluster token only keeps
// two clusters from joining each other by mistake.
func notSecret(name string) bool { return name == "ETCD_INITIAL_CLUSTER_TOKEN" }

// check runs every rule over a rendered overlay.
func (c *checker) check(m *manifest) []finding {
	rules := []func(*manifest) []finding{
		c.checkUnique,
		c.checkSecrets,
		c.checkPods,
		c.checkEnvRefs,
		c.checkShutdown,
		c.checkAppEnv,
		c.checkScrape,
		c.checkEtcdCluster,
		c.checkServices,
		c.checkDisruptionBudgets,
		c.checkAutoscalers,
		c.checkNetworkPolicies,
		c.checkIngresses,
	}
	var out []finding
	for _, rule := range rules {
		out = append(out, rule(m)...)
	}
	return out
}

// checkUnique refuses two objects of one kind with one name in one namespace: the second would
// silently replace the first when applied.
func (c *checker) checkUnique(m *manifest) []finding {
	seen := map[string]bool{}
	var out []finding
	for _, o := range m.Objects {
		k := o.Kind + " " + key(o.Meta.GetNamespace(), o.Meta.GetName())
		if seen[k] {
			out = append(out, finding{o.String(), "unique", "defined twice"})
		}
		seen[k] = true
	}
	return out
}
