// Package dal keeps the favorite service's likes and their counters in its own MySQL schema.
// Its tables are made by the SQL migrations in services/favorite/migrations, not by gorm; the structs
// here mirror them, and schema_test.go checks that the two agree.
package dal

import (
	"context"
	"time"

	"gorm.io/gorm"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/coalesce"
	"simpletiktok/services/favorite/internal/biz"
)

// likeRow is one like. The row exists exactly while the user likes the video, so every counter
// equals a COUNT(*) over these rows.
type likeRow struct {
	ID int64 `gorm:"primaryKey;autoIncrement;index:idx_likes_user_newest,priority:2"`
	// One like per user and video: the unique key is what makes a repeated like a no-op.
	UserID int64 `gorm:"not null;uniqueIndex:uk_likes_user_video,priority:1;index:idx_likes_user_newest,priority:1"`
	// idx_likes_user_newest holds the video too: a favorite list is read from it alone, in order.
	VideoID int64 `gorm:"not null;uniqueIndex:uk_likes_user_video,priority:2;index:idx_likes_video;index:idx_likes_user_newest,priority:3"`
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

// Favorites implements biz.Repo over MySQL, with reads cached in Redis (reads.go). Concurrent
// likes and unlikes commit together, in one transaction (commit.go).
type Favorites struct {
	db      *gorm.DB
	cache   *cache.Cache
	keys    families
	changes *coalesce.Batcher[change, outcome]
}

// NewFavorites returns the repository over gdb, caching reads in c (nil: no cache). Likes and
// unlikes made while others commit are merged into one transaction within merge's limits (zero
// limits: GroupLanes and GroupMax); merge's tracer and observer see each merged commit.
func NewFavorites(gdb *gorm.DB, c *cache.Cache, merge coalesce.Config) *Favorites {
	r := &Favorites{db: gdb, cache: c, keys: newFamilies(c)}
	if merge.Lanes <= 0 {
		merge.Lanes = GroupLanes
	}
	if merge.MaxQueries <= 0 {
		merge.MaxQueries = GroupMax
	}
	r.changes = coalesce.New("favorite.likes", merge, nil, r.commit)
	return r
}

// Like inserts the like and, only if the insert happened, raises the counters.
func (r *Favorites) Like(ctx context.Context, l biz.LikeRecord) (bool, error) {
	return r.apply(ctx, change{like: true, LikeRecord: l})
}

// Unlike deletes the like and, only if a row was deleted, lowers the counters it had raised.
func (r *Favorites) Unlike(ctx context.Context, userID, videoID int64) (bool, error) {
	return r.apply(ctx, change{LikeRecord: biz.LikeRecord{UserID: userID, VideoID: videoID}})
}

func (r *Favorites) apply(ctx context.Context, c change) (bool, error) {
	o, err := r.changes.Do(ctx, c)
	if err != nil {
		return false, err
	}
	return o.changed, o.err
}
