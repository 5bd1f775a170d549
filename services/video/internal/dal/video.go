// Package dal keeps the video service's videos and per-author work counts in its own MySQL schema.
// Its tables are made by the SQL migrations in services/video/migrations, not by gorm; the structs
// here mirror them, and schema_test.go checks that the two agree.
package dal

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/errno"
	"simpletiktok/services/video/internal/biz"
)

// videoRow is the videos table.
//
// uk_videos_publish_time keeps publish times unique (biz.Videos.Publish gives them out); being an
// index on the time, it also serves the feed: "publish_time_ms < ? ORDER BY publish_time_ms DESC"
// is a backward range scan of it, no sort. idx_videos_author_time serves the publish list the same way
// for one author (a non-unique InnoDB index ends with the primary key, so "id" ties break in it).
type videoRow struct {
	ID            int64  `gorm:"primaryKey;autoIncrement"`
	AuthorID      int64  `gorm:"not null;index:idx_videos_author_time,priority:1"`
	Title         string `gorm:"type:varchar(100);not null"`
	PlayKey       string `gorm:"type:varchar(255) CHARACTER SET ascii COLLATE ascii_bin;not null;uniqueIndex:uk_videos_play_key"`
	CoverKey      string `gorm:"type:varchar(255) CHARACTER SET ascii COLLATE ascii_bin;not null;default:''"`
	PublishTimeMs int64  `gorm:"column:publish_time_ms;not null;uniqueIndex:uk_videos_publish_time;index:idx_videos_author_time,priority:2"`
}

func (videoRow) TableName() string { return "videos" }

// workCountRow is an author's number of videos, kept beside the videos and changed in the same
// transaction as the row that changes it.
type workCountRow struct {
	AuthorID int64 `gorm:"primaryKey;autoIncrement:false"`
	Works    int64 `gorm:"not null;default:0"`
}

func (workCountRow) TableName() string { return "work_counts" }

// publishClockRow is a single row holding the latest publish time stored. It is the publish lock:
// a publish holds it while biz picks the new time from it, so concurrent publishes take their
// times one after the other, each at once, instead of racing for one and failing on the key.
type publishClockRow struct {
	ID     int8  `gorm:"primaryKey;autoIncrement:false"`
	LastMs int64 `gorm:"not null"`
}

func (publishClockRow) TableName() string { return "publish_clock" }

// StartClock starts the publish clock at the newest video if its row is missing (a no-op once it
// exists). The first migration creates the row; the service calls this at start as well, with
// its runtime account (it is a plain INSERT), so that a lost row cannot stop every publish.
func StartClock(ctx context.Context, gdb *gorm.DB) error {
	if err := gdb.WithContext(ctx).Exec("INSERT IGNORE INTO publish_clock (id, last_ms) " +
		"SELECT 1, COALESCE(MAX(publish_time_ms), 0) FROM videos").Error; err != nil {
		return fmt.Errorf("start the publish clock: %w", err)
	}
	return nil
}

// Videos implements biz.Repo over MySQL, with reads cached in Redis and, for the rows, which
// never change, in the process too (reads.go).
type Videos struct {
	db    *gorm.DB
	cache *cache.Cache
	keys  families
}

// NewVideos returns the repository over gdb, caching reads in c (nil: no cache).
func NewVideos(gdb *gorm.DB, c *cache.Cache) *Videos {
	return &Videos{db: gdb, cache: c, keys: newFamilies(c)}
}

// Create locks the publish clock, stores v at the time publishTime picks from the clock's latest
// time, moves the clock to it, counts the work and writes the job to the outbox, in one
// transaction (run again whole if InnoDB aborts it, which calls publishTime again).
func (r *Videos) Create(ctx context.Context, v *biz.Video, publishTime func(latestMs int64) int64, job func(*biz.Video) biz.Message) error {
	var row videoRow
	trace := traceOf(ctx)
	err := db.InTx(ctx, r.db, func(tx *gorm.DB) error {
		var clock publishClockRow
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&clock, 1).Error; err != nil {
			return fmt.Errorf("read the publish clock: %w", err)
		}
		row = videoRow{AuthorID: v.AuthorID, Title: v.Title, PlayKey: v.PlayKey, CoverKey: v.CoverKey,
			PublishTimeMs: publishTime(clock.LastMs)}
		if err := tx.Model(&clock).Update("last_ms", row.PublishTimeMs).Error; err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := tx.Exec("INSERT INTO work_counts (author_id, works) VALUES (?, 1) "+
			"ON DUPLICATE KEY UPDATE works = works + 1", v.AuthorID).Error; err != nil {
			return err
		}
		created := row.toBiz()
		return tx.Create(newOutboxRow(job(created), trace)).Error
	})
	// Before the answer (and after an error, whose outcome may be unknown): the newest feed page,
	// the author's list and work count go.
	r.invalidate(ctx, v.AuthorID)
	if db.IsDuplicateKey(err) {
		// publishTime gives a time after every stored one, so only the play key can be in use.
		return errno.VideoAlreadyPublished
	}
	if err != nil {
		return fmt.Errorf("insert video: %w", err)
	}
	v.ID, v.PublishTimeMs = row.ID, row.PublishTimeMs
	return nil
}

// SetCover sets the cover of a video that has none; a video that has one keeps it.
func (r *Videos) SetCover(ctx context.Context, id int64, coverKey string) (string, error) {
	res := r.db.WithContext(ctx).Model(&videoRow{}).Where("id = ? AND cover_key = ''", id).Update("cover_key", coverKey)
	if res.Error != nil {
		return "", fmt.Errorf("set cover: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return coverKey, nil
	}
	var row videoRow
	err := r.db.WithContext(ctx).Select("id", "cover_key").Take(&row, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", errno.VideoNotFound
	}
	if err != nil {
		return "", fmt.Errorf("read cover: %w", err)
	}
	return row.CoverKey, nil
}

func (r videoRow) toBiz() *biz.Video {
	return &biz.Video{ID: r.ID, AuthorID: r.AuthorID, Title: r.Title, PlayKey: r.PlayKey,
		CoverKey: r.CoverKey, PublishTimeMs: r.PublishTimeMs}
}
