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

// Videos implements biz.Repo.
type Videos struct{ db *gorm.DB }

// NewVideos returns the repository over gdb.
func NewVideos(gdb *gorm.DB) *Videos { return &Videos{db: gdb} }

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

func (r *Videos) Feed(ctx context.Context, beforeMs int64, limit int) ([]*biz.Video, error) {
	var rows []videoRow
	// Publish times are unique, so the time alone orders the feed totally; adding "id" would make
	// MySQL sort, since a unique index does not carry the primary key as part of its order.
	err := r.db.WithContext(ctx).Where("publish_time_ms < ?", beforeMs).
		Order("publish_time_ms DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	return toBizList(rows), nil
}

func (r *Videos) ListByAuthor(ctx context.Context, authorID int64, limit int) ([]*biz.Video, error) {
	var rows []videoRow
	err := r.db.WithContext(ctx).Where("author_id = ?", authorID).
		Order("publish_time_ms DESC, id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("videos of author: %w", err)
	}
	return toBizList(rows), nil
}

func (r *Videos) MGet(ctx context.Context, ids []int64) ([]*biz.Video, error) {
	var rows []videoRow
	if err := r.db.WithContext(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("videos by id: %w", err)
	}
	return toBizList(rows), nil
}

func (r *Videos) CountWorks(ctx context.Context, authorIDs []int64) (map[int64]int64, error) {
	var rows []workCountRow
	if err := r.db.WithContext(ctx).Where("author_id IN ?", authorIDs).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("work counts: %w", err)
	}
	out := make(map[int64]int64, len(rows))
	for _, row := range rows {
		out[row.AuthorID] = row.Works
	}
	return out, nil
}

func (r videoRow) toBiz() *biz.Video {
	return &biz.Video{ID: r.ID, AuthorID: r.AuthorID, Title: r.Title, PlayKey: r.PlayKey,
		CoverKey: r.CoverKey, PublishTimeMs: r.PublishTimeMs}
}

func toBizList(rows []videoRow) []*biz.Video {
	out := make([]*biz.Video, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.toBiz())
	}
	return out
}
