package mediastore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"simpletiktok/pkg/config"
)

// DevS3SecretKey is the secret docker-compose.s3.yml gives its development S3 server; production
// mode refuses it, as it refuses the development JWT secret.
const DevS3SecretKey = "dev-only-s3-secret-do-not-use-in-production"

// Config is where media are kept: a local folder (which docker-compose mounts as a volume shared
// by the gateway and the media worker) or an S3-compatible bucket. Every binary that touches
// media embeds it in its media section, so that they all read the same keys and variables.
type Config struct {
	// Storage is "local" (files in Dir; also when empty) or "s3" (objects in the S3 bucket, with
	// only the scratch files of the process in Dir).
	Storage string     `yaml:"storage" env:"TIKTOK_MEDIA_STORAGE"`
	Dir     string     `yaml:"dir" env:"TIKTOK_MEDIA_DIR"`
	S3      S3Settings `yaml:"s3"`
}

// S3Settings are the bucket of storage: s3. The keys come from the environment only, so that no
// config file holds them.
type S3Settings struct {
	Endpoint      string `yaml:"endpoint" env:"TIKTOK_S3_ENDPOINT"`
	Region        string `yaml:"region" env:"TIKTOK_S3_REGION"`
	Bucket        string `yaml:"bucket" env:"TIKTOK_S3_BUCKET"`
	AccessKey     string `yaml:"-" env:"TIKTOK_S3_ACCESS_KEY"`
	SecretKey     string `yaml:"-" env:"TIKTOK_S3_SECRET_KEY"`
	PathStyle     bool   `yaml:"path_style" env:"TIKTOK_S3_PATH_STYLE"`
	CreateBucket  bool   `yaml:"create_bucket" env:"TIKTOK_S3_CREATE_BUCKET"`
	PartSizeBytes int64  `yaml:"part_size_bytes"`
}

// bucketName is the shape every S3 implementation accepts (no upper case, no underscore).
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// minPartSize is the smallest part S3 accepts in a multipart upload (but the last).
const minPartSize = 5 << 20

// Validate names every problem of the section, in the words of the media.* keys.
func (c Config) Validate(env config.Env) []error {
	var errs []error
	if strings.TrimSpace(c.Dir) == "" {
		errs = append(errs, errors.New("media.dir is empty (set it or TIKTOK_MEDIA_DIR)"))
	}
	switch c.Storage {
	case "", "local":
	case "s3":
		errs = append(errs, c.S3.validate(env)...)
	default:
		errs = append(errs, fmt.Errorf("media.storage: %q is neither local nor s3", c.Storage))
	}
	return errs
}

func (s S3Settings) validate(env config.Env) []error {
	var errs []error
	if u, err := url.Parse(s.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		errs = append(errs, fmt.Errorf("media.s3.endpoint: %q is not http(s)://host[:port] (set it or TIKTOK_S3_ENDPOINT)", s.Endpoint))
	}
	if s.Region == "" {
		errs = append(errs, errors.New("media.s3.region is empty, e.g. us-east-1"))
	}
	if !bucketName.MatchString(s.Bucket) || strings.Contains(s.Bucket, "..") {
		errs = append(errs, fmt.Errorf("media.s3.bucket: %q is not a bucket name (3 to 63 lower-case letters, digits, dots and hyphens)", s.Bucket))
	}
	switch {
	case s.AccessKey == "" || s.SecretKey == "":
		errs = append(errs, errors.New("media.s3 needs its keys in TIKTOK_S3_ACCESS_KEY and TIKTOK_S3_SECRET_KEY"))
	case env == config.Production && s.SecretKey == DevS3SecretKey:
		errs = append(errs, errors.New("production needs its own S3 secret in TIKTOK_S3_SECRET_KEY; the development one of docker-compose.s3.yml is refused"))
	}
	if s.PartSizeBytes != 0 && s.PartSizeBytes < minPartSize {
		errs = append(errs, fmt.Errorf("media.s3.part_size_bytes must be 0 (the client's default, 16 MiB) or at least 5 MiB, got %d", s.PartSizeBytes))
	}
	return errs
}

// openTimeout bounds the check of the bucket at start, so that an unreachable server stops the
// start instead of hanging it.
const openTimeout = 30 * time.Second

// Open opens the configured store.
func (c Config) Open(ctx context.Context) (Storage, error) {
	if c.Storage != "s3" {
		return NewLocal(c.Dir)
	}
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	return NewS3(ctx, c.S3.Options())
}

// Options is the S3 store's view of the settings.
func (s S3Settings) Options() S3Config {
	return S3Config{
		Endpoint: s.Endpoint, Region: s.Region, Bucket: s.Bucket,
		AccessKey: s.AccessKey, SecretKey: s.SecretKey,
		PathStyle: s.PathStyle, CreateBucket: s.CreateBucket, PartSize: s.PartSizeBytes,
	}
}
