//go:build integration

package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/minio/minio-go/v7"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/mediastore"
	"simpletiktok/pkg/mediastore/seaweedtest"
)

// TestLibraryOverS3 runs the gateway's side of media (uploads, serving) over a real SeaweedFS;
// the S3 store itself is tested in pkg/mediastore.
func TestLibraryOverS3(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	srv := seaweedtest.Start(t, root)
	admin, err := srv.Client(seaweedtest.AccessKey, seaweedtest.SecretKey)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	newStore := func(t *testing.T) (*mediastore.S3, string) {
		t.Helper()
		n++
		bucket := fmt.Sprintf("library-%d", n)
		store, err := mediastore.NewS3(context.Background(), mediastore.S3Config{
			Endpoint: srv.Endpoint, Region: "us-east-1", Bucket: bucket,
			AccessKey: seaweedtest.AccessKey, SecretKey: seaweedtest.SecretKey,
			PathStyle: true, CreateBucket: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		return store, bucket
	}
	objects := func(t *testing.T, bucket string) []string {
		t.Helper()
		var keys []string
		for obj := range admin.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err != nil {
				t.Fatal(obj.Err)
			}
			keys = append(keys, obj.Key)
		}
		return keys
	}

	t.Run("served over HTTP", func(t *testing.T) {
		store, _ := newStore(t)
		base, content := serveStorage(t, store)
		checkWholeFile(t, base, content)
		checkRanges(t, base, content)
	})
	t.Run("publish through the library", func(t *testing.T) {
		store, bucket := newStore(t)
		testS3Library(t, store, objects, bucket)
	})
}

// The gateway's part of a publish over S3: an upload over the cap is refused before anything
// reaches the bucket; a real video is checked, stored, served back and removed; the local folder
// keeps nothing.
func testS3Library(t *testing.T, store *mediastore.S3, objects func(*testing.T, string) []string, bucket string) {
	ctx := context.Background()
	video, err := os.ReadFile(mp4Video(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	spool := t.TempDir()
	lib, err := NewLibrary(store, tools, nil, spool, limitsOf(int64(len(video))), slog.New(&recordingHandler{}))
	if err != nil {
		t.Fatal(err)
	}

	b, ct := body(t, part{"data", "big.mp4", string(video) + "x"})
	_, err = lib.ReadForm(b, ct, -1, accept)
	if !errors.Is(err, errno.VideoTooLarge) {
		t.Fatalf("ReadForm of a file one byte over the cap = %v; want VideoTooLarge", err)
	}
	if got := objects(t, bucket); len(got) != 0 {
		t.Fatalf("a refused upload left %v in the bucket", got)
	}

	b, ct = body(t, part{"data", "clip.mp4", string(video)})
	form, err := lib.ReadForm(b, ct, int64(b.Len()), accept)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := lib.Import(ctx, form.File)
	if err != nil {
		t.Fatal(err)
	}
	if got := objects(t, bucket); len(got) != 1 || got[0] != stored.PlayKey {
		t.Fatalf("bucket holds %v, stored %+v; want the video alone", got, stored)
	}
	if left := files(t, spool); len(left) != 0 {
		t.Fatalf("the spool keeps %v after the import", left)
	}
	obj, err := store.Open(ctx, stored.PlayKey)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj.Body)
	obj.Body.Close()
	if err != nil || !bytes.Equal(got, video) {
		t.Fatalf("the stored video differs from the upload (%d bytes, %v)", len(got), err)
	}

	lib.Remove(ctx, stored)
	if got := objects(t, bucket); len(got) != 0 {
		t.Fatalf("Remove left %v", got)
	}
}
