package mediastore

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodKey = "0123456789abcdef0123456789abcdef.mp4"

func TestValidKey(t *testing.T) {
	for _, k := range []string{goodKey, "ffffffffffffffffffffffffffffffff.jpg", "00000000000000000000000000000000.webm"} {
		if !ValidKey(k) {
			t.Errorf("ValidKey(%q) = false", k)
		}
	}
	for _, k := range []string{"", "a.mp4", "../" + goodKey, "/" + goodKey, "x/" + goodKey,
		"0123456789ABCDEF0123456789abcdef.mp4", goodKey + ".exe", "0123456789abcdef0123456789abcdef.html",
		".incoming", "..", "0123456789abcdef0123456789abcdef.mp4\x00", "0123456789abcdef0123456789abcdef\\.mp4"} {
		if ValidKey(k) {
			t.Errorf("ValidKey(%q) = true", k)
		}
	}
	if ContentType(goodKey) != "video/mp4" || ContentType("ffffffffffffffffffffffffffffffff.jpg") != "image/jpeg" {
		t.Fatal("content types by extension are wrong")
	}
}

func TestLocalPutOpenDelete(t *testing.T) {
	store, err := NewLocal(filepath.Join(t.TempDir(), "media", "nested"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	src := writeFile(t, t.TempDir(), "upload", "video bytes")
	if err := store.Put(ctx, goodKey, src); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Put left the source file behind: %v", err)
	}
	obj, err := store.Open(ctx, goodKey)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if string(body) != "video bytes" || obj.Size != int64(len(body)) {
		t.Fatalf("Open = %q (size %d)", body, obj.Size)
	}

	// A key in use is never overwritten.
	other := writeFile(t, t.TempDir(), "other", "other bytes")
	if err := store.Put(ctx, goodKey, other); err == nil {
		t.Fatal("Put over a key in use succeeded")
	}

	if err := store.Delete(ctx, goodKey); err != nil {
		t.Fatal(err)
	}
	if err := store.Delete(ctx, goodKey); err != nil {
		t.Fatalf("Delete of a missing key = %v; want nil", err)
	}
	if _, err := store.Open(ctx, goodKey); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open after Delete = %v; want ErrNotFound", err)
	}
}

// Keys that are not generated ones reach no file, even one that exists.
func TestLocalRefusesOtherNames(t *testing.T) {
	root := t.TempDir()
	store, err := NewLocal(filepath.Join(root, "media"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, root, "secret.txt", "secret")
	writeFile(t, store.Dir(), "plain.mp4", "not generated")
	ctx := context.Background()
	for _, k := range []string{"../secret.txt", "plain.mp4", "/etc/passwd", ".", ""} {
		if _, err := store.Open(ctx, k); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q) = %v; want ErrNotFound", k, err)
		}
		if err := store.Put(ctx, k, writeFile(t, t.TempDir(), "f", "x")); err == nil {
			t.Errorf("Put(%q) succeeded", k)
		}
		if err := store.Delete(ctx, k); err == nil {
			t.Errorf("Delete(%q) succeeded", k)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "secret.txt")); err != nil {
		t.Fatal("a file outside the media folder was touched")
	}
}

func TestCopyFileAcrossFileSystems(t *testing.T) {
	src := writeFile(t, t.TempDir(), "src", strings.Repeat("v", 100_000))
	dst := filepath.Join(t.TempDir(), "dst")
	if err := copyFile(src, dst); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(dst)
	if len(got) != 100_000 {
		t.Fatalf("copied %d bytes", len(got))
	}
	if _, err := os.Stat(src); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("copyFile kept the source")
	}
	// An existing destination is never overwritten, and the source stays.
	src2 := writeFile(t, t.TempDir(), "src2", "x")
	if err := copyFile(src2, dst); err == nil {
		t.Fatal("copyFile over an existing file succeeded")
	}
	if got, _ := os.ReadFile(dst); len(got) != 100_000 {
		t.Fatal("copyFile changed an existing file")
	}
}

// A video's cover key is derived from its play key, so that a cover made twice has one key.
func TestCoverKey(t *testing.T) {
	for _, play := range []string{goodKey, "0123456789abcdef0123456789abcdef.webm", "0123456789abcdef0123456789abcdef.mov"} {
		cover, err := CoverKey(play)
		if err != nil || cover != "0123456789abcdef0123456789abcdef.jpg" || !ValidKey(cover) {
			t.Errorf("CoverKey(%q) = %q, %v", play, cover, err)
		}
	}
	for _, bad := range []string{"", "0123456789abcdef0123456789abcdef.jpg", "../x.mp4", "a.mp4"} {
		if cover, err := CoverKey(bad); err == nil {
			t.Errorf("CoverKey(%q) = %q; want an error", bad, cover)
		}
	}
}

// A key in use is reported as such, so that a caller storing the same derived key again can tell.
func TestLocalPutOverAKeyInUse(t *testing.T) {
	store, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := store.Put(ctx, goodKey, writeFile(t, t.TempDir(), "a", "a")); err != nil {
		t.Fatal(err)
	}
	if err := store.Put(ctx, goodKey, writeFile(t, t.TempDir(), "b", "b")); !errors.Is(err, ErrKeyInUse) {
		t.Fatalf("Put over a key in use = %v; want ErrKeyInUse", err)
	}
}
