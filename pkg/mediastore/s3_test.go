//go:build integration

package mediastore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"simpletiktok/pkg/mediastore"
	"simpletiktok/pkg/mediastore/s3test"
	"simpletiktok/pkg/mediastore/seaweedtest"
)

// This is an external test (s3test imports the package), with the package's test helpers.
const goodKey = mediastore.GoodKey

var writeFile = mediastore.WriteFile

// TestS3 runs the S3 storage against a real SeaweedFS, started once for all its subtests, each
// of which works in a bucket of its own.
func TestS3(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	srv := s3test.Start(t, root, "media")

	t.Run("put open read delete", func(t *testing.T) {
		store, bucket := srv.NewStore(t, 0)
		testS3Objects(t, store, srv, bucket)
	})
	t.Run("multipart put and ranges across parts", func(t *testing.T) {
		store, bucket := srv.NewStore(t, 5<<20)
		testS3Multipart(t, store, srv.Admin, bucket)
	})
	t.Run("credentials are checked", func(t *testing.T) {
		store, bucket := srv.NewStore(t, 0)
		testS3Credentials(t, srv.Server, store, bucket)
	})
}

func testS3Objects(t *testing.T, store *mediastore.S3, srv *s3test.Server, bucket string) {
	ctx := context.Background()
	content := strings.Repeat("abcdefghij", 300) // 3000 bytes
	src := writeFile(t, t.TempDir(), "upload", content)
	before := time.Now().Add(-time.Minute)
	if err := store.Put(ctx, goodKey, src); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the uploaded file is still there after Put (stat: %v); Put moves it", err)
	}
	if got := srv.Objects(t, bucket); len(got) != 1 || got[0] != goodKey {
		t.Fatalf("bucket holds %v; want [%s]", got, goodKey)
	}

	obj, err := store.Open(ctx, goodKey)
	if err != nil {
		t.Fatal(err)
	}
	if obj.Size != int64(len(content)) || obj.ModTime.Before(before) {
		t.Fatalf("Open: size %d, date %v; want %d, now", obj.Size, obj.ModTime, len(content))
	}
	// The body as a plain reader: all of it, then after seeks.
	whole, err := io.ReadAll(obj.Body)
	if err != nil || string(whole) != content {
		t.Fatalf("read %d bytes, %v; want the content", len(whole), err)
	}
	for _, off := range []int64{0, 1234, 2999} {
		if _, err := obj.Body.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		rest, err := io.ReadAll(obj.Body)
		if err != nil || string(rest) != content[off:] {
			t.Fatalf("after Seek(%d): %d bytes, %v", off, len(rest), err)
		}
	}
	// Sections ask for just their bytes.
	for _, r := range [][2]int64{{0, 1}, {10, 20}, {2990, 10}, {0, 3000}} {
		sec, err := obj.Section(r[0], r[1])
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(sec)
		sec.Close()
		if err != nil || string(got) != content[r[0]:r[0]+r[1]] {
			t.Fatalf("Section(%d, %d) = %q, %v", r[0], r[1], got, err)
		}
	}
	obj.Body.Close()

	if err := store.Put(ctx, "../"+goodKey, writeFile(t, t.TempDir(), "f", "x")); err == nil {
		t.Fatal("Put accepted a key that was not generated")
	}
	if _, err := store.Open(ctx, "fedcba9876543210fedcba9876543210.jpg"); !errors.Is(err, mediastore.ErrNotFound) {
		t.Fatalf("Open of a missing key = %v; want ErrNotFound", err)
	}
	if _, err := store.Open(ctx, "not-a-key"); !errors.Is(err, mediastore.ErrNotFound) {
		t.Fatalf("Open of a malformed key = %v; want ErrNotFound", err)
	}
	if err := store.Delete(ctx, goodKey); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(ctx, goodKey); !errors.Is(err, mediastore.ErrNotFound) {
		t.Fatalf("Open after Delete = %v; want ErrNotFound", err)
	}
	if err := store.Delete(ctx, goodKey); err != nil {
		t.Fatalf("Delete of a missing key = %v; want nil", err)
	}
	if got := srv.Objects(t, bucket); len(got) != 0 {
		t.Fatalf("bucket holds %v after Delete", got)
	}
}

// A file larger than a part goes up as a multipart upload, and reads back byte for byte,
// including ranges that straddle the parts.
func testS3Multipart(t *testing.T, store *mediastore.S3, admin *minio.Client, bucket string) {
	ctx := context.Background()
	content := make([]byte, 11<<20+123) // three parts of 5, 5 and 1 MiB
	if _, err := rand.Read(content); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(src, content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := store.Put(ctx, goodKey, src); err != nil {
		t.Fatal(err)
	}
	info, err := admin.StatObject(ctx, bucket, goodKey, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The ETag of a multipart object ends in the number of its parts.
	if info.Size != int64(len(content)) || !strings.HasSuffix(info.ETag, "-3") || info.ContentType != "video/mp4" {
		t.Fatalf("stored: size %d, ETag %q, type %q; want %d bytes in 3 parts, video/mp4", info.Size, info.ETag, info.ContentType, len(content))
	}
	obj, err := store.Open(ctx, goodKey)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	whole, err := io.ReadAll(obj.Body)
	if err != nil || !bytes.Equal(whole, content) {
		t.Fatalf("read back %d bytes (%v); want the %d bytes put", len(whole), err, len(content))
	}
	for _, start := range []int64{5<<20 - 7, 10<<20 - 1, int64(len(content)) - 100} {
		sec, err := obj.Section(start, 100)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(sec)
		sec.Close()
		if err != nil || !bytes.Equal(got, content[start:start+100]) {
			t.Fatalf("Section(%d, 100): %d bytes, %v; not the bytes put", start, len(got), err)
		}
	}
}

// The server checks signatures: a wrong secret, an unknown key and an anonymous request are all
// refused, and a store is not opened over a missing bucket unless told to create it.
func testS3Credentials(t *testing.T, srv *seaweedtest.Server, store *mediastore.S3, bucket string) {
	ctx := context.Background()
	if err := store.Put(ctx, goodKey, writeFile(t, t.TempDir(), "f", "secret video")); err != nil {
		t.Fatal(err)
	}
	base := mediastore.S3Config{Endpoint: srv.Endpoint, Region: "us-east-1", Bucket: bucket, PathStyle: true}
	for name, keys := range map[string][2]string{
		"wrong secret":      {seaweedtest.AccessKey, seaweedtest.SecretKey + "x"},
		"unknown key":       {"someone-else", seaweedtest.SecretKey},
		"anonymous (empty)": {"", ""},
	} {
		cfg := base
		cfg.AccessKey, cfg.SecretKey = keys[0], keys[1]
		if _, err := mediastore.NewS3(ctx, cfg); err == nil {
			t.Errorf("%s: NewS3 succeeded; want the server to refuse it", name)
		}
	}
	for name, keys := range map[string][2]string{
		"wrong secret": {seaweedtest.AccessKey, "not-the-secret"},
		"anonymous":    {"", ""},
	} {
		client, err := srv.Client(keys[0], keys[1])
		if err != nil {
			t.Fatal(err)
		}
		obj, err := client.GetObject(ctx, bucket, goodKey, minio.GetObjectOptions{})
		if err == nil {
			var got []byte
			got, err = io.ReadAll(obj)
			obj.Close()
			if err == nil {
				t.Errorf("%s: read %q; want the request refused", name, got)
				continue
			}
		}
		if code := minio.ToErrorResponse(err).Code; code != "AccessDenied" && code != "SignatureDoesNotMatch" && code != "InvalidAccessKeyId" {
			t.Errorf("%s: %v (code %q); want a refusal of the credentials", name, err, code)
		}
	}

	missing := base
	missing.Bucket = "never-created"
	missing.AccessKey, missing.SecretKey = seaweedtest.AccessKey, seaweedtest.SecretKey
	if _, err := mediastore.NewS3(ctx, missing); err == nil || !strings.Contains(err.Error(), "create_bucket") {
		t.Fatalf("NewS3 over a missing bucket = %v; want an error that names create_bucket", err)
	}
}
