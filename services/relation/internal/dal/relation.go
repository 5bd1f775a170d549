// Package dal keeps the relation service's follows and the counters beside them in its own MySQL
// schema.
// Its tables are made by the SQL migrations in services/relation/migrations, not by gorm; the structs
// here mirror them, and schema_test.go checks that the two agree.
package dal

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/db"
)

// followRow is one (follower, followee) pair; Active says whether the follow holds now. An unfollow
// clears Active instead of deleting the row: re-inserting a unique key whose deleted record InnoDB
// has not purged yet makes two concurrent inserts of that key take gap locks and deadlock, while
// an update of an existing row locks that row only. COUNT(*) of the active rows is the truth the
// counters must match. The two time indexes serve the follow and follower lists, newest first
// (InnoDB appends the primary key, so they are also ordered by id).
type followRow struct {
	ID         int64     `gorm:"primaryKey;autoIncrement"`
	FollowerID int64     `gorm:"not null;uniqueIndex:uk_follows_pair,priority:1;index:idx_follows_follower_time,priority:1"`
	FolloweeID int64     `gorm:"not null;uniqueIndex:uk_follows_pair,priority:2;index:idx_follows_followee_time,priority:1"`
	Active     bool      `gorm:"not null;index:idx_follows_follower_time,priority:2;index:idx_follows_followee_time,priority:2"`
	CreatedAt  time.Time `gorm:"type:datetime(3);not null;index:idx_follows_follower_time,priority:3;index:idx_follows_followee_time,priority:3"`
}

func (followRow) TableName() string { return "follows" }

// statsRow holds a user's counters; a user without a row counts zero.
type statsRow struct {
	UserID        int64 `gorm:"primaryKey;autoIncrement:false"`
	FollowCount   int64 `gorm:"not null;default:0"`
	FollowerCount int64 `gorm:"not null;default:0"`
}

func (statsRow) TableName() string { return "user_stats" }

// Relations implements biz.Repo over MySQL, with reads cached in Redis (reads.go).
type Relations struct {
	db    *gorm.DB
	cache *cache.Cache
	keys  families
}

// NewRelations returns the repository over gdb, caching reads in c (nil: no cache).
func NewRelations(gdb *gorm.DB, c *cache.Cache) *Relations {
	return &Relations{db: gdb, cache: c, keys: newFamilies(c)}
}

func (r *Relations) Follow(ctx context.Context, follower, followee int64, at time.Time) (bool, error) {
	return r.change(ctx, follower, followee, func(tx *gorm.DB) (bool, error) {
		// A pair followed before is made active again, dated at so that it lists as the newest.
		res := tx.Model(&followRow{}).Where("follower_id = ? AND followee_id = ? AND active = ?", follower, followee, false).
			Updates(map[string]any{"active": true, "created_at": at})
		if res.Error != nil || res.RowsAffected == 1 {
			return res.RowsAffected == 1, res.Error
		}
		// No inactive row: either the follow holds already or the pair is new. The unique key
		// decides between concurrent first follows.
		err := tx.Create(&followRow{FollowerID: follower, FolloweeID: followee, Active: true, CreatedAt: at}).Error
		if db.IsDuplicateKey(err) {
			return false, nil
		}
		return err == nil, err
	}, +1)
}

func (r *Relations) Unfollow(ctx context.Context, follower, followee int64) (bool, error) {
	return r.change(ctx, follower, followee, func(tx *gorm.DB) (bool, error) {
		res := tx.Model(&followRow{}).Where("follower_id = ? AND followee_id = ? AND active = ?", follower, followee, true).
			Update("active", false)
		return res.RowsAffected == 1, res.Error
	}, -1)
}

// change runs one follow or unfollow as a transaction: the follow row first, then, only if it
// really changed, both counters by delta. Every transaction locks at most one follow row, before
// any counter, and the counters in ascending user id order, so two transactions cannot wait on
// each other in a cycle. READ COMMITTED keeps InnoDB from adding gap locks to the reads; a
// deadlock InnoDB reports anyway is retried, as InnoDB asks of its clients.
func (r *Relations) change(ctx context.Context, follower, followee int64, row func(*gorm.DB) (bool, error), delta int64) (bool, error) {
	var changed bool
	err := db.InTx(ctx, r.db, func(tx *gorm.DB) error {
		var err error
		if changed, err = row(tx); err != nil || !changed {
			return err
		}
		first, second := follower, followee
		if first > second {
			first, second = second, first
		}
		for _, id := range []int64{first, second} {
			follows, followers := int64(0), int64(0)
			if id == follower {
				follows = delta
			} else {
				followers = delta
			}
			if err := bump(tx, id, follows, followers); err != nil {
				return err
			}
		}
		return nil
	})
	// Before the answer, the cached values the change touched go; also after an error, whose
	// outcome may be unknown (a failed COMMIT).
	if changed || err != nil {
		r.invalidate(ctx, follower, followee)
	}
	if err != nil {
		return false, fmt.Errorf("change follow %d -> %d: %w", follower, followee, err)
	}
	return changed, nil
}

// bump adds to a user's counters, creating the row on the first follow that involves them.
func bump(tx *gorm.DB, userID, follows, followers int64) error {
	return tx.Clauses(clause.OnConflict{
		DoUpdates: clause.Assignments(map[string]any{
			"follow_count":   gorm.Expr("follow_count + ?", follows),
			"follower_count": gorm.Expr("follower_count + ?", followers),
		}),
	}).Create(&statsRow{UserID: userID, FollowCount: follows, FollowerCount: followers}).Error
}
