// Package dal keeps the comment service's comments and per-video counts in its own MySQL schema.
// Its tables are made by the SQL migrations in services/comment/migrations, not by gorm; the structs
// here mirror them, and schema_test.go checks that the two agree.
package dal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/errno"
	"simpletiktok/services/comment/internal/biz"
)

// commentRow is one comment. Content is TEXT in utf8mb4: any Unicode, stored byte for byte.
// DeletedAt is set when the comment is deleted: the row stays as a tombstone whose content is
// cleared, so that a repeated delete can be told from a delete of an id that never existed, and
// neither lists nor counts.
type commentRow struct {
	ID int64 `gorm:"primaryKey;autoIncrement;index:idx_comments_video_newest,priority:2"`
	// The list of a video reads idx_comments_video_newest backwards: newest first without a sort.
	// A post without a request key looks for its repeat in a range of idx_comments_video_user_time.
	VideoID   int64      `gorm:"not null;index:idx_comments_video_newest,priority:1;index:idx_comments_video_user_time,priority:1"`
	UserID    int64      `gorm:"not null;uniqueIndex:uk_comments_user_request,priority:1;index:idx_comments_video_user_time,priority:2"`
	Content   string     `gorm:"type:text;not null"`
	CreatedAt time.Time  `gorm:"type:datetime(3);not null;index:idx_comments_video_user_time,priority:3"`
	DeletedAt *time.Time `gorm:"type:datetime(3)"`
	// RequestKey is the client's idempotency key, NULL when none was sent (NULLs never collide in
	// a unique key): a user's repeated post with the same key cannot insert a second row.
	RequestKey *string `gorm:"type:varchar(64);uniqueIndex:uk_comments_user_request,priority:2"`
}

func (commentRow) TableName() string { return "comments" }

// countRow is a video's comment count, the number of its comment rows not deleted.
type countRow struct {
	VideoID      int64 `gorm:"primaryKey;autoIncrement:false"`
	CommentCount int64 `gorm:"not null;default:0"`
}

func (countRow) TableName() string { return "video_comment_counts" }

// Comments implements biz.Repo over MySQL, with reads cached in Redis (reads.go).
type Comments struct {
	db    *gorm.DB
	cache *cache.Cache
	keys  families
}

// NewComments returns the repository over gdb, caching reads in c (nil: no cache).
func NewComments(gdb *gorm.DB, c *cache.Cache) *Comments {
	return &Comments{db: gdb, cache: c, keys: newFamilies(c)}
}

// Create inserts the comment and raises its video's count in the same transaction. A duplicate of
// the user's request key inserts nothing (the unique key refuses it, also to a repetition racing
// the first post, which waits for the first to commit) and returns the comment that has it. With
// repeatSince set, an identical comment of the user on the video since then (findRepeat) is
// returned instead, and nothing is stored.
//
// The count row is written first: its row lock, held to the commit, serializes every post to the
// video, so the look for a repeat runs after every earlier post to the video has committed, and of
// identical posts racing, the first stores and each of the others finds it. A repeat found rolls
// the transaction back (errRepeat), count and all.
func (r *Comments) Create(ctx context.Context, c *biz.Comment, repeatSince time.Time) (*biz.Comment, error) {
	var id int64
	var first *commentRow
	err := db.InTx(ctx, r.db, func(tx *gorm.DB) error {
		if err := tx.Exec("INSERT INTO video_comment_counts (video_id, comment_count) VALUES (?, 1) "+
			"ON DUPLICATE KEY UPDATE comment_count = comment_count + 1", c.VideoID).Error; err != nil {
			return fmt.Errorf("raise comment_count: %w", err)
		}
		if !repeatSince.IsZero() {
			found, err := findRepeat(tx, c, repeatSince)
			if err != nil || found != nil {
				first = found
				return cmp.Or(err, errRepeat)
			}
		}
		row := commentRow{VideoID: c.VideoID, UserID: c.UserID, Content: c.Content, CreatedAt: c.CreatedAt}
		if c.RequestKey != "" {
			row.RequestKey = &c.RequestKey
		}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("insert comment: %w", err)
		}
		id = row.ID
		return nil
	})
	if errors.Is(err, errRepeat) {
		return first.toBiz(), nil // nothing changed: the cache stays
	}
	// Before the answer (and after an error, whose outcome may be unknown): the video's cached
	// count and list go.
	r.invalidate(ctx, c.VideoID)
	if c.RequestKey != "" && db.IsDuplicateKey(err) {
		var row commentRow
		if err := r.db.WithContext(ctx).Where("user_id = ? AND request_key = ?", c.UserID, c.RequestKey).Take(&row).Error; err != nil {
			return nil, fmt.Errorf("comment of a repeated request key: %w", err)
		}
		return row.toBiz(), nil
	}
	if err != nil {
		return nil, err
	}
	c.ID = id
	return c, nil
}

// errRepeat ends a Create transaction that found the post's repeat, so that it commits nothing.
var errRepeat = errors.New("an identical comment was posted already")

// findRepeat returns the oldest comment of c.UserID on c.VideoID, not deleted, created at or after
// since, with exactly c.Content, or nil. The read locks what it finds (FOR UPDATE), which under
// READ COMMITTED reads the latest committed rows and waits for a delete of one in flight: a
// comment being deleted is never answered as the repeat. (That delete holds the comment and waits
// for the count row this transaction holds: InnoDB aborts one of the two as a deadlock and
// db.InTx runs it again.) content = ? compares under the column's collation, which ignores case
// and trailing spaces; the exact bytes are compared here.
func findRepeat(tx *gorm.DB, c *biz.Comment, since time.Time) (*commentRow, error) {
	var rows []commentRow
	err := repeatQuery(tx, c, since).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("look for a repeated comment: %w", err)
	}
	for _, row := range rows {
		if row.Content == c.Content {
			return &row, nil
		}
	}
	return nil, nil
}

// repeatQuery selects the candidates of findRepeat, oldest first, from a range of
// idx_comments_video_user_time: the user's comments on the video since the start of the window,
// in the index's own order. The index is forced because a locking read locks the rows its plan
// scans: through the video's list (idx_comments_video_newest, which the optimizer may prefer for a
// video with few comments yet) it would lock, and wait for, other users' comments, and deadlock
// with their deletes.
func repeatQuery(tx *gorm.DB, c *biz.Comment, since time.Time) *gorm.DB {
	return tx.Table("comments FORCE INDEX (idx_comments_video_user_time)").
		Where("video_id = ? AND user_id = ? AND created_at >= ? AND deleted_at IS NULL AND content = ?",
			c.VideoID, c.UserID, since, c.Content).
		Order("created_at, id")
}

// Get returns the comment, deleted or not, or errno.CommentNotFound.
func (r *Comments) Get(ctx context.Context, id int64) (*biz.Comment, error) {
	var row commentRow
	err := r.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errno.CommentNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get comment: %w", err)
	}
	return row.toBiz(), nil
}

var errCountMissing = errors.New("the comment count of a video with comments is missing")

// Delete makes the comment a tombstone and, only if it was not one already, lowers its video's
// count. The update locks the row: of two deletes racing, the second waits, then finds the
// comment deleted and changes nothing.
func (r *Comments) Delete(ctx context.Context, c *biz.Comment, at time.Time) (bool, error) {
	deleted := false
	err := db.InTx(ctx, r.db, func(tx *gorm.DB) error {
		deleted = false
		res := tx.Exec("UPDATE comments SET deleted_at = ?, content = '' WHERE id = ? AND video_id = ? AND deleted_at IS NULL",
			at, c.ID, c.VideoID)
		if res.Error != nil {
			return fmt.Errorf("delete comment: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		res = tx.Exec("UPDATE video_comment_counts SET comment_count = comment_count - 1 WHERE video_id = ?", c.VideoID)
		if res.Error != nil {
			return fmt.Errorf("lower comment_count: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return errCountMissing
		}
		deleted = true
		return nil
	})
	if deleted || err != nil {
		r.invalidate(ctx, c.VideoID)
	}
	return deleted, err
}

func (r commentRow) toBiz() *biz.Comment {
	c := &biz.Comment{ID: r.ID, VideoID: r.VideoID, UserID: r.UserID, Content: r.Content, CreatedAt: r.CreatedAt,
		Deleted: r.DeletedAt != nil}
	if r.RequestKey != nil {
		c.RequestKey = *r.RequestKey
	}
	return c
}
