// Command k8slint checks rendered Kubernetes manifests (the output of `kustomize build`) without
// a cluster: every object must decode strictly into the Kubernetes API types (an unknown or
// misspelt field is an error), and the objects must follow the project's deployment policies
// (probes, limits, non-root, pinned images, no committed Secrets, network policies, the ingress
// body limit, ...; see checker.go for the list).
//
//	kustomize build deploy/kubernetes/overlays/prod | k8slint -name prod -require-env production -require-hpa api-gateway,user
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "k8slint:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("k8slint", flag.ContinueOnError)
	name := fs.String("name", "manifests", "what is checked, for the messages (e.g. the overlay)")
	requireHPA := fs.String("require-hpa", "", "comma-separated Deployments that must have a HorizontalPodAutoscaler")
	requireEnv := fs.String("require-env", "", "the TIKTOK_ENV every application container must have (empty: any)")
	grace := fs.Duration("shutdown-grace", 5*time.Second, "the binaries' shutdown grace after SIGTERM")
	if err := fs.Parse(args); err != nil {
		return err
	}
	in := stdin
	if fs.NArg() > 0 {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	opts := options{RequireEnv: *requireEnv, ShutdownGrace: *grace}
	if *requireHPA != "" {
		opts.RequireHPA = strings.Split(*requireHPA, ",")
	}
	objs, findings, err := lint(in, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", *name, err)
	}
	for _, f := range findings {
		fmt.Fprintf(stdout, "%s: %s\n", *name, f)
	}
	if len(findings) > 0 {
		return fmt.Errorf("%s: %d problem(s) in %d objects", *name, len(findings), len(objs))
	}
	fmt.Fprintf(stdout, "%s: %d objects decode strictly and follow the policies\n", *name, len(objs))
	return nil
}

// lint decodes a rendered stream and checks it. A document that does not decode is an error of
// its own: the policies cannot be judged on a partial manifest.
func lint(r io.Reader, opts options) ([]object, []finding, error) {
	objs, errs := decodeAll(r)
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	if len(objs) == 0 {
		return nil, nil, errors.New("no objects in the input")
	}
	return objs, newChecker(opts).check(newManifest(objs)), nil
}
