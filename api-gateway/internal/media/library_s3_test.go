//go:build integration

package media

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/mediastore"
	"simpletiktok/pkg/mediastore/s3test"
)

// TestLibraryOverS3 runs the gateway's side of media (uploads, serving) over a real SeaweedFS;
// the S3 store itself is tested in pkg/mediastore.
func TestLibraryOverS3(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	srv := s3test.Start(t, root, "library")

	t.Run("served over HTTP", func(t *testing.T) {
		store, _ := srv.NewStore(t, 0)
		base, content := serveStorage(t, store)
		checkWholeFile(t, base, content)
		checkRanges(t, base, content)
	})
	t.Run("publish through the library", func(t *testing.T) {
		store, bucket := srv.NewStore(t, 0)
		testS3Library(t, store, srv, bucket)
	})
}

// The gateway's part of a publish over S3: an upload over the cap is refused before anything
// reaches the bucket; a real video is checked, stored, served back and removed; the local folder
// keeps nothing.
func testS3Library(t *testing.T, store *mediastore.S3, srv *s3test.Server, bucket string) {
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
	if got := srv.Objects(t, bucket); len(got) != 0 {
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
	if got := srv.Objects(t, bucket); len(got) != 1 || got[0] != stored.PlayKey {
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
	if got := srv.Objects(t, bucket); len(got) != 0 {
		t.Fatalf("Remove left %v", got)
	}
}
