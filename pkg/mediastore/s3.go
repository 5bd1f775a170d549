package mediastore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/ext"

	"simpletiktok/pkg/tracing"
)

const (
	// s3DialTimeout and s3HeaderTimeout bound how long a request waits for the server; the body of
	// a large object may take longer, bounded by the caller's context.
	s3DialTimeout   = 5 * time.Second
	s3HeaderTimeout = 30 * time.Second
	// s3Attempts bounds the tries of a failed request (the client's MaxRetries counts the first),
	// so that a request of the phone does not wait through the library's default of ten.
	s3Attempts = 3
)

// S3Config says where an S3-compatible bucket is and how to reach it.
type S3Config struct {
	Endpoint     string // http(s)://host[:port], without a path
	Region       string // e.g. us-east-1; servers other than AWS mostly ignore it
	Bucket       string
	AccessKey    string
	SecretKey    string
	PathStyle    bool  // http://host/bucket/key instead of http://bucket.host/key (MinIO, SeaweedFS)
	CreateBucket bool  // create the bucket when missing (development)
	PartSize     int64 // size of a multipart upload's parts; 0 leaves the client's default (16 MiB)
}

// S3 keeps media as objects of one bucket of an S3-compatible store, named by their keys, so that
// every gateway replica serves every video.
type S3 struct {
	client   *minio.Client
	bucket   string
	partSize uint64
}

// NewS3 connects to the bucket and checks that it answers to the credentials (creating it first
// when cfg.CreateBucket says so), so that a gateway with a wrong endpoint or key refuses to start
// rather than refusing every upload.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("media: s3 endpoint %q is not http(s)://host[:port]", cfg.Endpoint)
	}
	if cfg.PartSize < 0 {
		return nil, errors.New("media: s3 part size must not be negative")
	}
	secure := u.Scheme == "https"
	transport, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("media: s3 transport: %w", err)
	}
	transport.DialContext = (&net.Dialer{Timeout: s3DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	transport.ResponseHeaderTimeout = s3HeaderTimeout
	lookup := minio.BucketLookupDNS
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       secure,
		Transport:    transport,
		Region:       cfg.Region,
		BucketLookup: lookup,
		MaxRetries:   s3Attempts,
	})
	if err != nil {
		return nil, fmt.Errorf("media: s3 client: %w", err)
	}
	s := &S3{client: client, bucket: cfg.Bucket, partSize: uint64(cfg.PartSize)}
	if err := s.ensureBucket(ctx, cfg); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *S3) ensureBucket(ctx context.Context, cfg S3Config) error {
	exists, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("media: s3 bucket %q at %s: %w", s.bucket, cfg.Endpoint, err)
	}
	if exists {
		return nil
	}
	if !cfg.CreateBucket {
		return fmt.Errorf("media: s3 bucket %q does not exist at %s (create it, or set media.s3.create_bucket for development)", s.bucket, cfg.Endpoint)
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: cfg.Region})
	if err != nil && !isCode(err, "BucketAlreadyOwnedByYou") { // another replica made it first
		return fmt.Errorf("media: create s3 bucket %q at %s: %w", s.bucket, cfg.Endpoint, err)
	}
	return nil
}

// Put uploads the file at path (one PUT, or a multipart upload for a file larger than a part) and
// removes it once stored. Keys hold 128 random bits, so unlike Local it does not first ask whether
// the key is in use: that would cost a request for an event that does not happen.
func (s *S3) Put(ctx context.Context, key, path string) (err error) {
	if !ValidKey(key) {
		return fmt.Errorf("media: %q is not a generated key", key)
	}
	span, ctx := s.span(ctx, "s3:put", key)
	defer func() { finish(span, err) }()
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("media: store %s: %w", key, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("media: store %s: %w", key, err)
	}
	span.SetTag("size", info.Size())
	_, err = s.client.PutObject(ctx, s.bucket, key, f, info.Size(), minio.PutObjectOptions{
		ContentType: ContentType(key),
		// A key is never reused for other content; a cache in front of the bucket may keep it.
		CacheControl: "public, max-age=31536000, immutable",
		PartSize:     s.partSize,
	})
	if err != nil {
		return fmt.Errorf("media: store %s: %w", key, err)
	}
	os.Remove(path)
	return nil
}

// Open asks for the object's size and date only; its bytes are fetched when read, from where the
// reader is, or as one range by Section.
func (s *S3) Open(ctx context.Context, key string) (_ *Object, err error) {
	if !ValidKey(key) {
		return nil, ErrNotFound
	}
	span, ctx := s.span(ctx, "s3:stat", key)
	defer func() { finish(span, err) }()
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if isCode(err, minio.NoSuchKey) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("media: open %s: %w", key, err)
	}
	// The body is read after the request's handler has returned (the server streams it), so its
	// requests must not end with the handler's context; the transport's timeouts bound them.
	body := &s3Body{ctx: context.WithoutCancel(ctx), s: s, key: key, size: info.Size}
	return &Object{Body: body, Size: info.Size, ModTime: info.LastModified}, nil
}

func (s *S3) Delete(ctx context.Context, key string) (err error) {
	if !ValidKey(key) {
		return fmt.Errorf("media: %q is not a generated key", key)
	}
	span, ctx := s.span(ctx, "s3:delete", key)
	defer func() { finish(span, err) }()
	// S3 answers a delete of a missing key with success, as the interface wants.
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("media: delete %s: %w", key, err)
	}
	return nil
}

// get fetches bytes [start, end] of key; the request is sent before it returns, so that a failure
// is an error here and not in the middle of a response.
func (s *S3) get(ctx context.Context, key string, start, end int64) (io.ReadCloser, error) {
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(start, end); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, fmt.Errorf("media: read %s: %w", key, err)
	}
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, fmt.Errorf("media: read %s: %w", key, err)
	}
	return obj, nil
}

func (s *S3) span(ctx context.Context, name, key string) (opentracing.Span, context.Context) {
	span, ctx := tracing.StartChild(ctx, name)
	ext.SpanKindRPCClient.Set(span)
	span.SetTag("bucket", s.bucket)
	span.SetTag("key", key)
	return span, ctx
}

func finish(span opentracing.Span, err error) {
	if err != nil && !errors.Is(err, ErrNotFound) {
		ext.LogError(span, err)
	}
	span.Finish()
}

// isCode reports whether err is an S3 error response with the given code.
func isCode(err error, code string) bool {
	return err != nil && minio.ToErrorResponse(err).Code == code
}

// s3Body reads an object lazily: a Seek costs no request, and the first Read after one asks for
// the rest of the object from there.
type s3Body struct {
	ctx  context.Context
	s    *S3
	key  string
	size int64
	off  int64
	rc   io.ReadCloser
}

func (b *s3Body) Read(p []byte) (int, error) {
	if b.off >= b.size {
		return 0, io.EOF
	}
	if b.rc == nil {
		rc, err := b.s.get(b.ctx, b.key, b.off, b.size-1)
		if err != nil {
			return 0, err
		}
		b.rc = rc
	}
	n, err := b.rc.Read(p)
	b.off += int64(n)
	return n, err
}

func (b *s3Body) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += b.off
	case io.SeekEnd:
		offset += b.size
	case io.SeekStart:
	default:
		return b.off, errors.New("media: bad whence")
	}
	if offset < 0 {
		return b.off, errors.New("media: seek before the start")
	}
	if offset != b.off {
		b.drop()
		b.off = offset
	}
	return offset, nil
}

// Section asks the server for exactly the bytes wanted, so that a player's short range does not
// start a transfer of the rest of the video. Closing what it returns closes the body too.
func (b *s3Body) Section(start, length int64) (io.ReadCloser, error) {
	b.drop()
	if length <= 0 {
		return http.NoBody, nil
	}
	return b.s.get(b.ctx, b.key, start, start+length-1)
}

func (b *s3Body) Close() error {
	b.drop()
	return nil
}

func (b *s3Body) drop() {
	if b.rc != nil {
		b.rc.Close()
		b.rc = nil
	}
}
