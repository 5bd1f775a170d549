package devstack

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// A stack of two replicas (Options.Replicas 2) runs a second instance of each RPC service and a
// second gateway beside the first, on ports of their own (Ports.Second), on the same etcd, MySQL
// schemas, Redis and NATS: what a deployment with two replicas of each is. The first instance of
// a program keeps the program's name ("comment", "api-gateway"); the second is "comment-2",
// "api-gateway-2". That name is the process's everywhere: KillFor, TerminateFor, Status,
// AdminURL, its log var/log/<name>.log and Options.Env. Infrastructure (etcd, Jaeger, Prometheus,
// NATS) and the media worker stay one.

// gatewayProgram is the gateway's program name, and its first instance's process name.
const gatewayProgram = "api-gateway"

// replicated reports whether program runs once per replica: an RPC service or the gateway.
func replicated(program string) bool {
	return program == gatewayProgram || slices.Contains(serviceNames(), program)
}

// instanceName is the process name of instance i (0 the first) of program.
func instanceName(program string, i int) string {
	if i == 0 {
		return program
	}
	return program + "-" + strconv.Itoa(i+1)
}

// splitInstance is instanceName backwards: "comment-2" is instance 1 of comment; a name that is
// not a later instance of a replicated program ("media-worker", "etcd") is instance 0 of itself.
func splitInstance(name string) (program string, i int) {
	cut := strings.LastIndexByte(name, '-')
	if cut < 0 {
		return name, 0
	}
	n, err := strconv.Atoi(name[cut+1:])
	if err != nil || n < 2 || n > maxReplicas || !replicated(name[:cut]) || name[cut+1:] != strconv.Itoa(n) {
		return name, 0
	}
	return name[:cut], n - 1
}

// replicas is how many instances of each service and of the gateway the stack runs.
func (s *Stack) replicas() int { return max(s.opts.Replicas, 1) }

// Instances lists the process names of one program's instances: "comment", "comment-2";
// "api-gateway", "api-gateway-2". A program that runs once ("media-worker", "etcd") has one;
// one the stack does not run has none.
func (s *Stack) Instances(program string) []string {
	switch {
	case replicated(program):
		names := make([]string, s.replicas())
		for i := range names {
			names[i] = instanceName(program, i)
		}
		return names
	case slices.Contains(binaries(), program):
		return []string{program}
	}
	return nil
}

// GatewayURLs lists the base URLs of every gateway, the first being GatewayURL().
func (s *Stack) GatewayURLs() []string {
	urls := make([]string, s.replicas())
	for i := range urls {
		urls[i] = "http://" + loopback(s.opts.Ports.gateway(i))
	}
	return urls
}

// checkReplicas rejects a replica count the stack cannot run.
func checkReplicas(n int) error {
	if n < 0 || n > maxReplicas {
		return fmt.Errorf("devstack: Options.Replicas is %d: it may be 0 or 1 (one instance of each program) or %d", n, maxReplicas)
	}
	return nil
}
