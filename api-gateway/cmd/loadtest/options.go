package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// options are the knobs of a run. Each flag's default comes from the environment variable named
// in its usage (so `make loadtest LOADTEST_DURATION=3s` works), and then from the value below.
type options struct {
	baseURL       string
	sizes         sizes
	seedConns     int
	conns         []int
	duration      time.Duration
	pause         time.Duration
	timeout       time.Duration
	rate          float64
	openDuration  time.Duration
	openConns     int
	lateAfter     time.Duration
	only          string
	variants      int
	sampleRate    string
	seedFile      string
	gatewayConfig string
	// scale "large" fills the schemas straight through MySQL (fill.go) and measures before and
	// after; "" or "small" is the API seeding alone.
	scale        string
	fillOnly     bool
	mysqlDSN     string
	schemaPrefix string
}

// envDefaults reads the defaults from the environment, remembering the first unreadable value.
type envDefaults struct{ err error }

func (e *envDefaults) str(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func (e *envDefaults) int(name string, def int) int {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		e.fail(fmt.Errorf("%s=%q is not a whole number", name, v))
		return def
	}
	return n
}

func (e *envDefaults) duration(name string, def time.Duration) time.Duration {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.fail(fmt.Errorf("%s=%q is not a duration such as 10s", name, v))
		return def
	}
	return d
}

func (e *envDefaults) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var (
		o     options
		env   envDefaults
		conns string
		rate  string
	)
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.baseURL, "base-url", env.str("BASE_URL", "http://127.0.0.1:8080"), "gateway to load (BASE_URL)")
	fs.IntVar(&o.sizes.Users, "users", env.int("LOADTEST_USERS", 200), "users to seed (LOADTEST_USERS)")
	fs.IntVar(&o.sizes.Videos, "videos", env.int("LOADTEST_VIDEOS", 300), "videos to seed, one small clip uploaded again and again (LOADTEST_VIDEOS)")
	fs.IntVar(&o.sizes.Likes, "likes", env.int("LOADTEST_LIKES", 3000), "likes to seed (LOADTEST_LIKES)")
	fs.IntVar(&o.sizes.Follows, "follows", env.int("LOADTEST_FOLLOWS", 1500), "follows to seed, half of them mutual (LOADTEST_FOLLOWS)")
	fs.IntVar(&o.sizes.Comments, "comments", env.int("LOADTEST_COMMENTS", 1500), "comments to seed (LOADTEST_COMMENTS)")
	fs.IntVar(&o.sizes.Messages, "messages", env.int("LOADTEST_MESSAGES", 1000), "chat messages to seed between friends (LOADTEST_MESSAGES)")
	fs.StringVar(&o.seedFile, "seed-file", env.str("LOADTEST_SEED_FILE", ""), "keep what the seeding made in this file (mode 0600: it holds the seeded users' tokens) and, when it exists and names the same gateway and sizes, load it instead of seeding again (LOADTEST_SEED_FILE)")
	fs.IntVar(&o.seedConns, "seed-conns", env.int("LOADTEST_SEED_CONNS", 8), "calls in flight while seeding (LOADTEST_SEED_CONNS)")
	fs.StringVar(&conns, "conns", env.str("LOADTEST_CONNS", "64,256"), "closed-loop connections, one pass per value (LOADTEST_CONNS)")
	fs.DurationVar(&o.duration, "duration", env.duration("LOADTEST_DURATION", 10*time.Second), "closed-loop time per endpoint and pass (LOADTEST_DURATION)")
	fs.DurationVar(&o.pause, "pause", env.duration("LOADTEST_PAUSE", time.Second), "rest between two runs, so that one run's backlog does not land in the next (LOADTEST_PAUSE)")
	fs.DurationVar(&o.timeout, "timeout", env.duration("LOADTEST_TIMEOUT", 10*time.Second), "longest wait for one answer (LOADTEST_TIMEOUT)")
	fs.StringVar(&rate, "rate", env.str("LOADTEST_RATE", "1000"), "open-loop rate of the logged-in feed, requests per second; 0 skips it (LOADTEST_RATE)")
	fs.DurationVar(&o.openDuration, "open-duration", env.duration("LOADTEST_OPEN_DURATION", 10*time.Second), "open-loop time (LOADTEST_OPEN_DURATION)")
	fs.IntVar(&o.openConns, "open-conns", env.int("LOADTEST_OPEN_CONNS", 256), "most connections the open loop may use (LOADTEST_OPEN_CONNS)")
	fs.DurationVar(&o.lateAfter, "late", env.duration("LOADTEST_LATE", 10*time.Millisecond), "an open-loop request sent later than this after its time is late (LOADTEST_LATE)")
	fs.StringVar(&o.only, "only", env.str("LOADTEST_ONLY", ""), "comma-separated parts of endpoint names to run, e.g. 'feed,like' (LOADTEST_ONLY; default all)")
	fs.IntVar(&o.variants, "variants", env.int("LOADTEST_VARIANTS", 1024), "distinct requests per endpoint (callers and subjects) (LOADTEST_VARIANTS)")
	fs.StringVar(&o.sampleRate, "sample-rate", env.str("LOADTEST_SAMPLE_RATE", ""), "tracing sample rate the stack runs with, for the report; set it to what the stack runs with (LOADTEST_SAMPLE_RATE; default: read from -gateway-config)")
	fs.StringVar(&o.gatewayConfig, "gateway-config", env.str("LOADTEST_GATEWAY_CONFIG", "api-gateway/config.yaml"), "the gateway's config file, read for its tracing sample rate (LOADTEST_GATEWAY_CONFIG)")
	fs.StringVar(&o.scale, "scale", env.str("LOADTEST_SCALE", ""), "small (the API seeding alone) or large: measure, fill the schemas with a million videos, ten million likes, a video with 100,000 comments, a user with 100,000 followers and a chat of 100,000 messages straight through MySQL, measure again (LOADTEST_SCALE; `make loadtest SCALE=large`)")
	fs.BoolVar(&o.fillOnly, "fill-only", false, "fill the schemas of -schema-prefix as -scale large does, without a gateway (the chat is then between two filled users), and exit: for timing migrations on the large data")
	fs.StringVar(&o.mysqlDSN, "mysql", env.str("MYSQL_DSN", "root:@tcp(127.0.0.1:3306)/"), "the stack's MySQL server, a DSN without a database, for -scale large (MYSQL_DSN)")
	fs.StringVar(&o.schemaPrefix, "schema-prefix", env.str("LOADTEST_SCHEMA_PREFIX", "tiktok_"), "the prefix of the stack's schemas (devstack -schema-prefix), for -scale large (LOADTEST_SCHEMA_PREFIX)")
	if env.err != nil {
		return o, env.err
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.conns, err = parseConns(conns); err != nil {
		return o, err
	}
	if o.rate, err = strconv.ParseFloat(rate, 64); err != nil || o.rate < 0 {
		return o, fmt.Errorf("-rate %q is not a rate in requests per second", rate)
	}
	return o, o.validate()
}

func (o options) validate() error {
	var errs []error
	if o.sizes.Users < 2 || o.sizes.Videos < 1 {
		errs = append(errs, errors.New("seed at least 2 users and 1 video"))
	}
	if o.seedConns < 1 || o.openConns < 1 || o.variants < 2 {
		errs = append(errs, errors.New("-seed-conns, -open-conns must be at least 1 and -variants at least 2"))
	}
	if o.duration <= 0 || o.timeout <= 0 || o.openDuration <= 0 {
		errs = append(errs, errors.New("-duration, -timeout and -open-duration must be positive"))
	}
	if o.scale != "" && o.scale != "small" && o.scale != "large" {
		errs = append(errs, fmt.Errorf("-scale %q: want small or large", o.scale))
	}
	if o.rate > 0 && o.rate*o.openDuration.Seconds() < 1 {
		errs = append(errs, errors.New("-rate times -open-duration must make at least one request"))
	}
	return errors.Join(errs...)
}

// parseConns reads "64,256".
func parseConns(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-conns %q: want positive numbers separated by commas, e.g. 64,256", s)
		}
		out = append(out, n)
	}
	return out, nil
}
