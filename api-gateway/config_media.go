package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"simpletiktok/api-gateway/internal/media"
	"simpletiktok/pkg/config"
)

// devS3SecretKey is the secret docker-compose.s3.yml gives its development S3 server; production
// mode refuses it, as it refuses the development JWT secret.
const devS3SecretKey = "dev-only-s3-secret-do-not-use-in-production"

// mediaConfig is where uploaded media is kept (a local folder, which docker-compose mounts as a
// volume, or an S3-compatible bucket) and how uploads are checked.
type mediaConfig struct {
	// Storage is "local" (files in Dir; also when empty) or "s3" (objects in the S3 bucket, with
	// only the spool of uploads being checked in Dir).
	Storage        string        `yaml:"storage" env:"TIKTOK_MEDIA_STORAGE"`
	Dir            string        `yaml:"dir" env:"TIKTOK_MEDIA_DIR"`
	S3             s3Config      `yaml:"s3"`
	MaxUploadBytes int64         `yaml:"max_upload_bytes" env:"TIKTOK_MEDIA_MAX_UPLOAD_BYTES"`
	FFprobe        string        `yaml:"ffprobe" env:"TIKTOK_FFPROBE"`
	FFmpeg         string        `yaml:"ffmpeg" env:"TIKTOK_FFMPEG"`
	ToolTimeout    time.Duration `yaml:"tool_timeout"`
	// MaxToolRuns is how many uploads may be checked (ffprobe, then ffmpeg) at once; one more is
	// answered 10008 at once.
	MaxToolRuns int `yaml:"max_tool_runs" env:"TIKTOK_MEDIA_MAX_TOOL_RUNS"`
}

// s3Config is the bucket of media.storage: s3. The keys come from the environment only, so that
// no config file holds them.
type s3Config struct {
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

func (m mediaConfig) validate(env config.Env) []error {
	var errs []error
	if strings.TrimSpace(m.Dir) == "" {
		errs = append(errs, errors.New("media.dir is empty (set it or TIKTOK_MEDIA_DIR)"))
	}
	switch m.Storage {
	case "", "local":
	case "s3":
		errs = append(errs, m.S3.validate(env)...)
	default:
		errs = append(errs, fmt.Errorf("media.storage: %q is neither local nor s3", m.Storage))
	}
	if m.MaxUploadBytes <= 0 {
		errs = append(errs, fmt.Errorf("media.max_upload_bytes must be positive, e.g. 104857600 (100 MiB), got %d", m.MaxUploadBytes))
	}
	if m.FFprobe == "" || m.FFmpeg == "" {
		errs = append(errs, errors.New("media.ffprobe and media.ffmpeg name the programs that check uploads, e.g. ffprobe and ffmpeg"))
	}
	if m.ToolTimeout <= 0 {
		errs = append(errs, errors.New("media.tool_timeout must be positive, e.g. 60s"))
	}
	if m.MaxToolRuns <= 0 {
		errs = append(errs, fmt.Errorf("media.max_tool_runs must be positive, e.g. 4, got %d", m.MaxToolRuns))
	}
	return errs
}

func (s s3Config) validate(env config.Env) []error {
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
	case env == config.Production && s.SecretKey == devS3SecretKey:
		errs = append(errs, errors.New("production needs its own S3 secret in TIKTOK_S3_SECRET_KEY; the development one of docker-compose.s3.yml is refused"))
	}
	if s.PartSizeBytes != 0 && s.PartSizeBytes < minPartSize {
		errs = append(errs, fmt.Errorf("media.s3.part_size_bytes must be 0 (the client's default, 16 MiB) or at least 5 MiB, got %d", s.PartSizeBytes))
	}
	return errs
}

// storageOpenTimeout bounds the check of the bucket at start, so that an unreachable server stops
// the start instead of hanging it.
const storageOpenTimeout = 30 * time.Second

// openStorage opens the configured store.
func (m mediaConfig) openStorage() (media.Storage, error) {
	if m.Storage != "s3" {
		return media.NewLocal(m.Dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), storageOpenTimeout)
	defer cancel()
	return media.NewS3(ctx, m.S3.options())
}

// options is the storage's view of the section.
func (s s3Config) options() media.S3Config {
	return media.S3Config{
		Endpoint: s.Endpoint, Region: s.Region, Bucket: s.Bucket,
		AccessKey: s.AccessKey, SecretKey: s.SecretKey,
		PathStyle: s.PathStyle, CreateBucket: s.CreateBucket, PartSize: s.PartSizeBytes,
	}
}
