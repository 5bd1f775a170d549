// Command seed is `make seed`: it fills a running stack, through its public HTTP API as the phone
// would, with a few demo users (demo.go; the README lists them), each with short clips it makes
// with ffmpeg, plus likes, comments, follows, friends and chats, so that the app, Postman and the
// API docs show a living feed. It is idempotent: it logs in rather than registers when a user
// exists and first reads what is there, so a second run adds nothing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"simpletiktok/api-gateway/apiclient"
)

// defaultBaseURL is the gateway of `make run`; BASE_URL overrides it.
const defaultBaseURL = "http://127.0.0.1:8080"

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

type options struct {
	baseURL, ffmpeg    string
	coverWait, timeout time.Duration
}

func parseOptions(args []string) (options, error) {
	base := defaultBaseURL
	if env := os.Getenv("BASE_URL"); env != "" {
		base = env
	}
	var o options
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.StringVar(&o.baseURL, "base-url", base, "the gateway (default from BASE_URL if set)")
	fs.StringVar(&o.ffmpeg, "ffmpeg", "ffmpeg", "the ffmpeg that makes the clips")
	fs.DurationVar(&o.coverWait, "cover-wait", time.Minute, "how long to wait for the media worker to make the covers")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "bound of one call to the gateway")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	u, err := url.Parse(o.baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return o, fmt.Errorf("-base-url %q is not http(s)://host:port", o.baseURL)
	}
	return o, nil
}

func run(args []string, out io.Writer) error {
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	api := &apiclient.Client{Base: o.baseURL, HTTP: &http.Client{Timeout: o.timeout}}
	if err := gatewayAnswers(ctx, api); err != nil {
		return fmt.Errorf("no gateway answers at %s (%v): start the stack in another terminal with `make run`, or set BASE_URL", o.baseURL, err)
	}
	fmt.Fprintf(out, "seeding the demo data at %s:\n", o.baseURL)
	s := newSeeder(api, out, o.ffmpeg, o.coverWait)
	if err := s.seed(ctx); err != nil {
		return err
	}
	if s.added.none() {
		fmt.Fprintln(out, "nothing to add: the demo data was all there")
	}
	fmt.Fprintf(out, "log in as any of %s with the password in the README (\"Demo accounts\")\n", demoNames())
	return nil
}

// gatewayAnswers reads the feed once, within a few seconds.
func gatewayAnswers(ctx context.Context, api *apiclient.Client) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := api.Get(ctx, "/douyin/feed/", nil, nil)
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("no answer within 5 s")
	}
	return err
}

// demoNames lists the demo users' names.
func demoNames() string {
	s := ""
	for i, u := range demoUsers {
		switch {
		case i == 0:
		case i == len(demoUsers)-1:
			s += " and "
		default:
			s += ", "
		}
		s += u.name
	}
	return s
}
