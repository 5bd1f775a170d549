// Package dal keeps the video service's videos and per-author work counts in its own MySQL schema.
package dal

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"simpletiktok/pkg/db"
	"simpletiktok/pkg/errno"
	"simpletiktok/services/video/internal/biz"
)

// videoRow is the videos table.
//
// uk_videos_publish_time makes publish times unique (see biz.Videos.Publish); being an index on
// the time, it also serves the feed: "publish_time_ms < ? ORDER BY publish_time_ms DESC" is a
// backward range scan of it, no sort. idx_videos_author_time serves the publish list the same way
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

// Migrate creates or updates the tables and their keys.
func Migrate(ctx context.Context, gdb *gorm.DB) error {
	if err := gdb.WithContext(ctx).Set("gorm:table_options", "ENGINE=InnoDB").
		AutoMigrate(&videoRow{}, &workCountRow{}); err != nil {
		return fmt.Errorf("migrate videos: %w", err)
	}
	return nil
}

// Videos implements biz.Repo.
type Videos struct{ db *gorm.DB }

// NewVideos returns the repository over gdb.
func NewVideos(gdb *gorm.DB) *Videos { return &Videos{db: gdb} }

func (r *Videos) Create(ctx context.Context, v *biz.Video) error {
	row := videoRow{AuthorID: v.AuthorID, Title: v.Title, PlayKey: v.PlayKey, CoverKey: v.CoverKey,
		PublishTimeMs: v.PublishTimeMs}
	err := r.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return tx.Exec("INSERT INTO work_counts (author_id, works) VALUES (?, 1) "+
			"ON DUPLICATE KEY UPDATE works = works + 1", v.AuthorID).Error
	})
	if db.IsDuplicateKey(err) {
		return r.whichDuplicate(ctx, v.PlayKey)
	}
	if err != nil {
		return fmt.Errorf("insert video: %w", err)
	}
	v.ID = row.ID
	return nil
}

// whichDuplicate tells the two unique keys apart after a duplicate-key failure (gorm's translated
// error does not say which): a play key in use is final, anything else is the publish time.
func (r *Videos) whichDuplicate(ctx context.Context, playKey string) error {
	var n int64
	if err := r.db.WithContext(ctx).Model(&videoRow{}).Where("play_key = ?", playKey).Count(&n).Error; err != nil {
		return fmt.Errorf("look up play key: %w", err)
	}
	if n > 0 {
		return errno.VideoAlreadyPublished
	}
	return biz.ErrPublishTimeTaken
}

func (r *Videos) LatestPublishTime(ctx context.Context) (int64, error) {
	var latest *int64
	if err := r.db.WithContext(ctx).Model(&videoRow{}).Select("MAX(publish_time_ms)").Scan(&latest).Error; err != nil {
		return 0, fmt.Errorf("latest publish time: %w", err)
	}
	if latest == nil {
		return 0, nil
	}
	return *latest, nil
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
	return toVideos(rows), nil
}

func (r *Videos) ListByAuthor(ctx context.Context, authorID int64) ([]*biz.Video, error) {
	var rows []videoRow
	err := r.db.WithContext(ctx).Where("author_id = ?", authorID).
		Order("publish_time_ms DESC, id DESC").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("videos of author: %w", err)
	}
	return toVideos(rows), nil
}

func (r *Videos) MGet(ctx context.Context, ids []int64) ([]*biz.Video, error) {
	var rows []videoRow
	if err := r.db.WithContext(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("videos by id: %w", err)
	}
	return toVideos(rows), nil
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

func toVideos(rows []videoRow) []*biz.Video {
	out := make([]*biz.Video, 0, len(rows))
	for _, r := range rows {
		out = append(out, &biz.Video{ID: r.ID, AuthorID: r.AuthorID, Title: r.Title, PlayKey: r.PlayKey,
			CoverKey: r.CoverKey, PublishTimeMs: r.PublishTimeMs})
	}
	return out
}
