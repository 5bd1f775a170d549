// Package dal keeps the favorite service's likes and their counters in its own MySQL schema.
// Its tables are made by the SQL migrations in services/favorite/migrations, not by gorm; the structs
// here mirror them, and schema_test.go checks that the two agree.
package dal

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/db"
	"simpletiktok/services/favorite/internal/biz"
)

// likeRow is one like. The row exists exactly while the user likes the video, so every counter
// equals a COUNT(*) over these rows.
type likeRow struct {
	ID int64 `gorm:"primaryKey;autoIncrement;index:idx_likes_user_newest,priority:2"`
	// One like per user and video: the unique key is what makes a repeated like a no-op.
	UserID  int64 `gorm:"not null;uniqueIndex:uk_likes_user_video,priority:1;index:idx_likes_user_newest,priority:1"`
	VideoID int64 `gorm:"not null;uniqueIndex:uk_likes_user_video,priority:2;index:idx_likes_video"`
	// The video's author, so that an unlike knows whose total_favorited to lower.
	AuthorID  int64     `gorm:"not null;index:idx_likes_author"`
	CreatedAt time.Time `gorm:"type:datetime(3);not null"`
}

func (likeRow) TableName() string { return "likes" }

// videoStatRow is a video's like count, the number of likes rows of the video.
type videoStatRow struct {
	VideoID       int64 `gorm:"primaryKey;autoIncrement:false"`
	FavoriteCount int64 `gorm:"not null;default:0"`
}

func (videoStatRow) TableName() string { return "video_favorite_stats" }

// userStatRow holds a user's likes given (rows with user_id = the user) and received (rows with
// author_id = the user).
type userStatRow struct {
	UserID         int64 `gorm:"primaryKey;autoIncrement:false"`
	FavoriteCount  int64 `gorm:"not null;default:0"`
	TotalFavorited int64 `gorm:"not null;default:0"`
}

func (userStatRow) TableName() string { return "user_favorite_stats" }

// Favorites implements biz.Repo over MySQL, with reads cached in Redis (reads.go).
type Favorites struct {
	db    *gorm.DB
	cache *cache.Cache
	keys  families
}

// NewFavorites returns the repository over gdb, caching reads in c (nil: no cache).
func NewFavorites(gdb *gorm.DB, c *cache.Cache) *Favorites {
	return &Favorites{db: gdb, cache: c, keys: newFamilies(c)}
}

var errCounterMissing = errors.New("a counter row of an existing like is missing")

// Like inserts the like and, only if the insert happened, raises the counters. Locks are taken in
// one order by every transaction (like row, video counter, user counters by ascending id), so likes
// and unlikes only deadlock on the unique key, which db.InTx retries.
func (r *Favorites) Like(ctx context.Context, l biz.LikeRecord) (bool, error) {
	changed := false
	err := db.InTx(ctx, r.db, func(tx *gorm.DB) error {
		changed = false
		row := likeRow{UserID: l.UserID, VideoID: l.VideoID, AuthorID: l.AuthorID, CreatedAt: l.CreatedAt}
		if err := tx.Create(&row).Error; err != nil {
			if db.IsDuplicateKey(err) {
				return nil // liked already: nothing changes
			}
			return fmt.Errorf("insert like: %w", err)
		}
		changed = true
		return moveCounters(tx, row, +1)
	})
	// Before the answer, the cached values the like changed go; also after an error, whose
	// outcome may be unknown (a failed COMMIT).
	if changed || err != nil {
		r.invalidate(ctx, l.UserID, l.VideoID, l.AuthorID)
	}
	return changed, err
}

// Unlike deletes the like and, only if a row was deleted, lowers the counters it had raised.
func (r *Favorites) Unlike(ctx context.Context, userID, videoID int64) (bool, error) {
	changed := false
	author := int64(0) // known once the like row is found
	err := db.InTx(ctx, r.db, func(tx *gorm.DB) error {
		changed = false
		var rows []likeRow
		// The row lock makes a concurrent unlike of the same like wait here, then find nothing.
		if err := tx.Raw("SELECT * FROM likes WHERE user_id = ? AND video_id = ? FOR UPDATE",
			userID, videoID).Scan(&rows).Error; err != nil {
			return fmt.Errorf("lock like: %w", err)
		}
		if len(rows) == 0 {
			return nil // not liked: nothing changes
		}
		author = rows[0].AuthorID
		res := tx.Exec("DELETE FROM likes WHERE id = ?", rows[0].ID)
		if res.Error != nil {
			return fmt.Errorf("delete like: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return nil
		}
		changed = true
		return moveCounters(tx, rows[0], -1)
	})
	if changed || err != nil {
		r.invalidate(ctx, userID, videoID, author)
	}
	return changed, err
}

// moveCounters moves by delta (+1 or -1) the video's favorite_count, the liker's favorite_count
// and the author's total_favorited. A like creates the counter rows it needs (upsert); an unlike
// finds them there, and fails the transaction if one is missing rather than guess.
func moveCounters(tx *gorm.DB, like likeRow, delta int64) error {
	if delta > 0 {
		if err := tx.Exec("INSERT INTO video_favorite_stats (video_id, favorite_count) VALUES (?, 1) "+
			"ON DUPLICATE KEY UPDATE favorite_count = favorite_count + 1", like.VideoID).Error; err != nil {
			return fmt.Errorf("raise video favorite_count: %w", err)
		}
	} else {
		res := tx.Exec("UPDATE video_favorite_stats SET favorite_count = favorite_count - 1 WHERE video_id = ?", like.VideoID)
		if err := oneRow(res, "lower video favorite_count"); err != nil {
			return err
		}
	}
	// Liking one's own video moves both counters of one row.
	type userDelta struct{ favorite, favorited int64 }
	deltas := map[int64]userDelta{}
	d := deltas[like.UserID]
	d.favorite += delta
	deltas[like.UserID] = d
	d = deltas[like.AuthorID]
	d.favorited += delta
	deltas[like.AuthorID] = d
	ids := make([]int64, 0, len(deltas))
	for id := range deltas {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		d := deltas[id]
		if delta > 0 {
			err := tx.Exec("INSERT INTO user_favorite_stats (user_id, favorite_count, total_favorited) VALUES (?, ?, ?) "+
				"ON DUPLICATE KEY UPDATE favorite_count = favorite_count + ?, total_favorited = total_favorited + ?",
				id, d.favorite, d.favorited, d.favorite, d.favorited).Error
			if err != nil {
				return fmt.Errorf("raise user favorite counters: %w", err)
			}
			continue
		}
		res := tx.Exec("UPDATE user_favorite_stats SET favorite_count = favorite_count + ?, total_favorited = total_favorited + ? "+
			"WHERE user_id = ?", d.favorite, d.favorited, id)
		if err := oneRow(res, "lower user favorite counters"); err != nil {
			return err
		}
	}
	return nil
}

func oneRow(res *gorm.DB, what string) error {
	if res.Error != nil {
		return fmt.Errorf("%s: %w", what, res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("%s: %w", what, errCounterMissing)
	}
	return nil
}
