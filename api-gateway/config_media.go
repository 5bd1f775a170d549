package main

import (
	"errors"
	"fmt"
	"time"

	"simpletiktok/api-gateway/internal/media"
	"simpletiktok/pkg/config"
	"simpletiktok/pkg/mediastore"
)

// mediaConfig is where uploaded media is kept (shared with the media worker: mediastore.Config)
// and how uploads are checked before they are accepted.
type mediaConfig struct {
	mediastore.Config `yaml:",inline"`
	MaxUploadBytes    int64 `yaml:"max_upload_bytes" env:"TIKTOK_MEDIA_MAX_UPLOAD_BYTES"`
	// SpoolBytes bounds the files of the uploads being received (media.dir/.incoming) all
	// together; UnverifiedSpoolBytes the part of them written before their upload's token was
	// known. Keep SpoolBytes below the spool volume's size, and UnverifiedSpoolBytes at least
	// max_upload_bytes if a client may send a full-size file before its token.
	SpoolBytes           int64  `yaml:"spool_bytes" env:"TIKTOK_MEDIA_SPOOL_BYTES"`
	UnverifiedSpoolBytes int64  `yaml:"unverified_spool_bytes" env:"TIKTOK_MEDIA_UNVERIFIED_SPOOL_BYTES"`
	FFprobe              string `yaml:"ffprobe" env:"TIKTOK_FFPROBE"`
	// ProbeTimeout bounds the one ffprobe run of a publish; it reads the container's header only.
	ProbeTimeout time.Duration `yaml:"probe_timeout"`
	// MaxToolRuns is how many uploads may be probed at once; one more is answered 10008 at once.
	MaxToolRuns int `yaml:"max_tool_runs" env:"TIKTOK_MEDIA_MAX_TOOL_RUNS"`
	// The largest video accepted: the worker's ffmpeg time and memory grow with these.
	MaxWidth    int           `yaml:"max_width" env:"TIKTOK_MEDIA_MAX_WIDTH"`
	MaxHeight   int           `yaml:"max_height" env:"TIKTOK_MEDIA_MAX_HEIGHT"`
	MaxDuration time.Duration `yaml:"max_duration" env:"TIKTOK_MEDIA_MAX_DURATION"`
}

func (m mediaConfig) validate(env config.Env) []error {
	errs := m.Config.Validate(env)
	if m.MaxUploadBytes <= 0 {
		errs = append(errs, fmt.Errorf("media.max_upload_bytes must be positive, e.g. 104857600 (100 MiB), got %d", m.MaxUploadBytes))
	}
	if m.SpoolBytes < max(m.MaxUploadBytes, 1<<20) || m.UnverifiedSpoolBytes < 1<<20 || m.UnverifiedSpoolBytes > m.SpoolBytes {
		errs = append(errs, fmt.Errorf("media.spool_bytes must be at least max_upload_bytes (and 1 MiB), and media.unverified_spool_bytes 1 MiB to spool_bytes, e.g. 1073741824 and 268435456; got %d and %d",
			m.SpoolBytes, m.UnverifiedSpoolBytes))
	}
	if m.FFprobe == "" {
		errs = append(errs, errors.New("media.ffprobe names the program that checks uploads, e.g. ffprobe"))
	}
	if m.ProbeTimeout <= 0 {
		errs = append(errs, errors.New("media.probe_timeout must be positive, e.g. 10s"))
	}
	if m.MaxWidth <= 0 || m.MaxHeight <= 0 || m.MaxDuration <= 0 {
		errs = append(errs, errors.New("media.max_width, media.max_height and media.max_duration must be positive, e.g. 1920, 1920 and 10m"))
	}
	if m.MaxToolRuns <= 0 {
		errs = append(errs, fmt.Errorf("media.max_tool_runs must be positive, e.g. 4, got %d", m.MaxToolRuns))
	}
	return errs
}

// limits is the check of an upload.
func (m mediaConfig) limits() media.Limits {
	return media.Limits{MaxBytes: m.MaxUploadBytes, MaxWidth: m.MaxWidth, MaxHeight: m.MaxHeight, MaxDuration: m.MaxDuration,
		SpoolBytes: m.SpoolBytes, UnverifiedBytes: m.UnverifiedSpoolBytes}
}
