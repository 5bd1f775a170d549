// Package s3test opens S3 stores (mediastore.S3) on a SeaweedFS of the test's own (seaweedtest),
// each in a bucket of its own, and lists what a bucket holds as the server's one identity sees it.
package s3test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/minio/minio-go/v7"

	"simpletiktok/pkg/mediastore"
	"simpletiktok/pkg/mediastore/seaweedtest"
)

// Server is a running SeaweedFS and a client of its S3 API with the identity it knows.
type Server struct {
	*seaweedtest.Server
	Admin   *minio.Client
	prefix  string
	buckets atomic.Int64
}

// Start starts SeaweedFS from root's bin/weed (see seaweedtest.Start) for the test. The stores
// opened on it are in the buckets <prefix>-1, <prefix>-2 and so on.
func Start(t testing.TB, root, prefix string) *Server {
	t.Helper()
	srv := seaweedtest.Start(t, root)
	admin, err := srv.Client(seaweedtest.AccessKey, seaweedtest.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	return &Server{Server: srv, Admin: admin, prefix: prefix}
}

// NewStore opens a store on a new bucket, which it creates, and returns the bucket's name too.
// partSize is that of multipart uploads (0: the client's default).
func (s *Server) NewStore(t testing.TB, partSize int64) (*mediastore.S3, string) {
	t.Helper()
	bucket := fmt.Sprintf("%s-%d", s.prefix, s.buckets.Add(1))
	store, err := mediastore.NewS3(context.Background(), mediastore.S3Config{
		Endpoint: s.Endpoint, Region: "us-east-1", Bucket: bucket,
		AccessKey: seaweedtest.AccessKey, SecretKey: seaweedtest.SecretKey,
		PathStyle: true, CreateBucket: true, PartSize: partSize,
	})
	if err != nil {
		t.Fatal(err)
	}
	return store, bucket
}

// Objects lists the keys of the objects in bucket.
func (s *Server) Objects(t testing.TB, bucket string) []string {
	t.Helper()
	var keys []string
	for obj := range s.Admin.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		keys = append(keys, obj.Key)
	}
	return keys
}
