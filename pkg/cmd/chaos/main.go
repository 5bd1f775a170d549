// Command chaos is `make chaos`: the fault-injection suite of pkg/chaos. It starts the stack from
// bin/ against a MariaDB and a Redis of its own, injects one fault at a time under a bounded
// load, prints every check and a table, and exits 1 when a check failed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"simpletiktok/pkg/chaos"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	opts := chaos.Options{Out: os.Stdout}
	var faults string
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	fs.StringVar(&opts.Root, "root", ".", "repository root (binaries in <root>/bin)")
	fs.StringVar(&faults, "faults", "", "comma-separated parts of fault names to run (e.g. favorite,etcd); empty runs them all")
	fs.IntVar(&opts.OverloadConns, "overload-conns", 256, "connections of the overload burst")
	fs.IntVar(&opts.MaxInFlight, "max-in-flight", 64, "the gateway's cap on requests in flight during the run (TIKTOK_MAX_IN_FLIGHT)")
	fs.BoolVar(&opts.KeepState, "keep", false, "keep the work folder (logs, data) even when every check passes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if faults != "" {
		opts.Faults = strings.Split(faults, ",")
	}
	// Ctrl-C stops the run; the servers it started go with it.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	err := chaos.Run(ctx, opts)
	if errors.Is(err, chaos.ErrFailed) {
		return err
	}
	if err != nil {
		return fmt.Errorf("the suite could not run: %w", err)
	}
	return nil
}
