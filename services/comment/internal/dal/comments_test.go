//go:build integration

package dal

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"simpletiktok/pkg/cache/cachetest"
	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/pkg/errno"
	"simpletiktok/services/comment/internal/biz"
	"simpletiktok/services/comment/migrations"
)

// newRepo is the repository over a schema of the test's own, with a cache on a Redis of the
// test's own: the tests of the repository run through the cache, the way the service runs.
func newRepo(t *testing.T) (*Comments, *gorm.DB) {
	t.Helper()
	gdb := migrated(t)
	return NewComments(gdb, cachetest.Open(t, "comment").Cache), gdb
}

// newUncachedRepo is the repository without a cache, as with redis.disabled.
func newUncachedRepo(t *testing.T) (*Comments, *gorm.DB) {
	t.Helper()
	gdb := migrated(t)
	return NewComments(gdb, nil), gdb
}

// migrated is a schema of the test's own with the service's migrations applied.
func migrated(t *testing.T) *gorm.DB {
	t.Helper()
	return dbtest.OpenMigrated(t, migrations.FS())
}

func TestContentIsStoredVerbatim(t *testing.T) {
	repo, _ := newRepo(t)
	ctx := context.Background()
	at := time.Date(2024, 12, 31, 23, 59, 59, 987000000, time.UTC)
	for _, content := range []string{
		"<b>bold</b> &lt; ' \" ; DROP TABLE comments; --",
		"多语言 😀🎉 émoji 𝄞 \u200b zero width",
		"line one\nline two\r\n\ttabbed  ",
		"NUL\x00inside",
		strings.Repeat("😀", biz.MaxContentLen),
	} {
		c := &biz.Comment{VideoID: 10, UserID: 1, Content: content, CreatedAt: at}
		if _, err := repo.Create(ctx, c, time.Time{}); err != nil || c.ID <= 0 {
			t.Fatalf("Create(%q) = %v, id %d", content, err, c.ID)
		}
		got, err := repo.Get(ctx, c.ID)
		if err != nil || got.Content != content || got.UserID != 1 || got.VideoID != 10 || !got.CreatedAt.Equal(at) {
			t.Fatalf("Get = %+v, %v; want content %q at %v", got, err, content, at)
		}
	}
}

func TestListCountAndDelete(t *testing.T) {
	t.Run("cached", func(t *testing.T) { testListCountAndDelete(t, newRepo) })
	t.Run("uncached", func(t *testing.T) { testListCountAndDelete(t, newUncachedRepo) })
}

func testListCountAndDelete(t *testing.T, open func(*testing.T) (*Comments, *gorm.DB)) {
	repo, gdb := open(t)
	ctx := context.Background()
	var posted []*biz.Comment
	for i, video := range []int64{10, 10, 11, 10} {
		c := &biz.Comment{VideoID: video, UserID: int64(i + 1), Content: "c", CreatedAt: time.Now().UTC()}
		if _, err := repo.Create(ctx, c, time.Time{}); err != nil {
			t.Fatal(err)
		}
		posted = append(posted, c)
	}
	list, err := repo.ListByVideo(ctx, 10, 100)
	if err != nil || len(list) != 3 || list[0].ID != posted[3].ID || list[1].ID != posted[1].ID || list[2].ID != posted[0].ID {
		t.Fatalf("ListByVideo = %+v, %v; want newest first", list, err)
	}
	if newest, err := repo.ListByVideo(ctx, 10, 2); err != nil || len(newest) != 2 || newest[0].ID != posted[3].ID {
		t.Fatalf("ListByVideo with a limit of 2 = %+v, %v; want the newest two", newest, err)
	}
	// Several videos' lists at once (a batch of comment lists) are each video's list.
	if lists, err := repo.ListByVideos(ctx, []int64{99, 10}, 2); err != nil || len(lists) != 2 || lists[99] == nil || len(lists[99]) != 0 ||
		len(lists[10]) != 2 || lists[10][0].ID != posted[3].ID {
		t.Fatalf("ListByVideos(99, 10) = %+v, %v; want no comments and the newest two", lists, err)
	}
	counts, err := repo.Counts(ctx, []int64{10, 11, 12})
	if err != nil || counts[10] != 3 || counts[11] != 1 || counts[12] != 0 {
		t.Fatalf("Counts = %v, %v", counts, err)
	}

	// Delete through the wrong video deletes nothing.
	at := time.Date(2025, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	if deleted, err := repo.Delete(ctx, &biz.Comment{ID: posted[0].ID, VideoID: 11}, at); err != nil || deleted {
		t.Fatalf("Delete with the wrong video = %v, %v", deleted, err)
	}
	if deleted, err := repo.Delete(ctx, posted[0], at); err != nil || !deleted {
		t.Fatalf("Delete = %v, %v", deleted, err)
	}
	if deleted, err := repo.Delete(ctx, posted[0], at.Add(time.Hour)); err != nil || deleted {
		t.Fatalf("second Delete = %v, %v; want nothing deleted", deleted, err)
	}
	// The tombstone keeps who wrote it where, not what it said, and the time of the first delete.
	got, err := repo.Get(ctx, posted[0].ID)
	if err != nil || !got.Deleted || got.Content != "" || got.UserID != posted[0].UserID || got.VideoID != 10 {
		t.Fatalf("Get of a deleted comment = %+v, %v; want a tombstone", got, err)
	}
	var deletedAt time.Time
	gdb.Raw("SELECT deleted_at FROM comments WHERE id = ?", posted[0].ID).Scan(&deletedAt)
	if !deletedAt.Equal(at) {
		t.Fatalf("deleted_at = %v; want %v", deletedAt, at)
	}
	if _, err := repo.Get(ctx, posted[3].ID+1000); !errors.Is(err, errno.CommentNotFound) {
		t.Fatalf("Get of an id never stored = %v; want CommentNotFound", err)
	}
	if live, _ := repo.Get(ctx, posted[1].ID); live.Deleted {
		t.Fatalf("a live comment reads as deleted: %+v", live)
	}
	list, err = repo.ListByVideo(ctx, 10, 100)
	if err != nil || len(list) != 2 || list[0].ID != posted[3].ID || list[1].ID != posted[1].ID {
		t.Fatalf("ListByVideo after a delete = %+v, %v; want the two left, newest first", list, err)
	}
	if counts, _ := repo.Counts(ctx, []int64{10}); counts[10] != 2 {
		t.Fatalf("count after delete = %d; want 2", counts[10])
	}
	assertCountsMatchRows(t, gdb)
	empty, err := repo.ListByVideo(ctx, 99, 100)
	if err != nil || empty == nil || len(empty) != 0 {
		t.Fatalf("ListByVideo of a video without comments = %#v, %v; want an empty list", empty, err)
	}
}

// Every video's comment_count equals its comment rows that are not deleted.
func assertCountsMatchRows(t *testing.T, gdb *gorm.DB) {
	t.Helper()
	var mismatches []struct {
		VideoID      int64
		CommentCount int64
		NRows        int64
	}
	err := gdb.Raw(`SELECT v.video_id, COALESCE(c.comment_count, -1) AS comment_count, COALESCE(r.n, 0) AS n_rows
		FROM (SELECT video_id FROM video_comment_counts UNION SELECT video_id FROM comments) v
		LEFT JOIN video_comment_counts c ON c.video_id = v.video_id
		LEFT JOIN (SELECT video_id, COUNT(*) AS n FROM comments WHERE deleted_at IS NULL GROUP BY video_id) r
			ON r.video_id = v.video_id
		WHERE COALESCE(c.comment_count, -1) <> COALESCE(r.n, 0)`).Scan(&mismatches).Error
	if err != nil {
		t.Fatal(err)
	}
	if len(mismatches) > 0 {
		t.Fatalf("comment_count differs from the rows: %+v", mismatches)
	}
}

// A schema that gorm made before tombstones (no deleted_at column, no migrations table) is adopted
// by the first migration, which adds the column, and its comments stay live.
func TestMigrateKeepsCommentsOfAnOlderSchemaLive(t *testing.T) {
	schema := dbtest.Schema(t, "test")
	gdb := dbtest.OpenSchema(t, schema)
	ctx := context.Background()
	if err := gdb.Exec("CREATE TABLE comments (id bigint AUTO_INCREMENT PRIMARY KEY, video_id bigint NOT NULL, " +
		"user_id bigint NOT NULL, content text NOT NULL, created_at datetime(3) NOT NULL, " +
		"KEY idx_comments_video_newest (video_id, id)) ENGINE=InnoDB").Error; err != nil {
		t.Fatal(err)
	}
	if err := gdb.Exec("INSERT INTO comments (video_id, user_id, content, created_at) VALUES (10, 1, 'old', NOW(3))").Error; err != nil {
		t.Fatal(err)
	}
	dbtest.Migrate(t, schema, migrations.FS())
	list, err := NewComments(gdb, nil).ListByVideo(ctx, 10, 100)
	if err != nil || len(list) != 1 || list[0].Content != "old" || list[0].Deleted {
		t.Fatalf("ListByVideo after the migration = %+v, %v; want the old comment, live", list, err)
	}
	fresh := dbtest.Schema(t, "test")
	dbtest.Migrate(t, fresh, migrations.FS())
	if got, want := dbtest.DescribeSchema(t, gdb, schema), dbtest.DescribeSchema(t, gdb, fresh); !slices.Equal(got, want) {
		t.Fatalf("the adopted schema is\n%s\nwant, as a fresh one,\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
