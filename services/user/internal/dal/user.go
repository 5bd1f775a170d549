// Package dal keeps the user service's accounts in its own MySQL schema.
// Its tables are made by the SQL migrations in services/user/migrations, not by gorm; the structs
// here mirror them, and schema_test.go checks that the two agree.
package dal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/errno"
	"simpletiktok/services/user/internal/biz"
)

// userRow is the users table. The username column compares bytes (utf8mb4_bin), so the unique
// key means "exactly this name".
type userRow struct {
	ID            int64     `gorm:"primaryKey;autoIncrement"`
	Username      string    `gorm:"type:varchar(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;not null;uniqueIndex:uk_users_username"`
	PasswordHash  string    `gorm:"type:varchar(100);not null"`
	AvatarKey     string    `gorm:"type:varchar(255);not null;default:''"`
	BackgroundKey string    `gorm:"type:varchar(255);not null;default:''"`
	Signature     string    `gorm:"type:varchar(255);not null;default:''"`
	CreatedAt     time.Time `gorm:"not null"`
	TokenVersion  int64     `gorm:"not null;default:0"`
}

func (userRow) TableName() string { return "users" }

// Users implements biz.Repo over MySQL. Profiles never change once registered, so MGet reads them
// from the process's memory, then Redis, then MySQL; an id not found is never cached, since it
// may be registered later. Password hashes are never cached. Token versions change (a
// revocation): they are cached as values that writes invalidate.
type Users struct {
	cache    *cache.Cache
	db       *gorm.DB
	profiles *cache.Family[int64, profile] // "u": a profile
	versions *cache.Family[int64, int64]   // "tv": a token version
}

// profile is what the cache keeps of an account: everything but the password hash.
type profile struct {
	ID            int64     `json:"id"`
	Username      string    `json:"n"`
	AvatarKey     string    `json:"a,omitempty"`
	BackgroundKey string    `json:"b,omitempty"`
	Signature     string    `json:"s,omitempty"`
	CreatedAt     time.Time `json:"c"`
}

// NewUsers returns the repository over gdb, caching profiles in c (nil: no cache).
func NewUsers(gdb *gorm.DB, c *cache.Cache) *Users {
	return &Users{cache: c, db: gdb, profiles: cache.NewImmutable(c, "u", cache.Itoa, cache.JSON[profile]()),
		versions: cache.NewMutable(c, "tv", cache.Itoa, cache.Int64)}
}

func (r *Users) Create(ctx context.Context, a *biz.Account) error {
	row := userRow{Username: a.Username, PasswordHash: a.PasswordHash, AvatarKey: a.AvatarKey,
		BackgroundKey: a.BackgroundKey, Signature: a.Signature, CreatedAt: a.CreatedAt}
	// In a transaction of its own, so that a commit whose reply is lost is told apart from one that
	// failed (db.InTx: errno.OutcomeUnknown): the gateway then settles the registration by logging in.
	if err := db.InTx(ctx, r.db, func(tx *gorm.DB) error { return tx.Create(&row).Error }); err != nil {
		if db.IsDuplicateKey(err) {
			return errno.UserAlreadyExists
		}
		return fmt.Errorf("insert user: %w", err)
	}
	a.ID = row.ID
	return nil
}

func (r *Users) GetByUsername(ctx context.Context, username string) (*biz.Account, error) {
	var row userRow
	err := r.db.WithContext(ctx).Where("username = ?", username).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errno.UserNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get user by name: %w", err)
	}
	return row.toBiz(), nil
}

// MGet returns the profiles among ids that exist, without their password hashes.
func (r *Users) MGet(ctx context.Context, ids []int64) ([]*biz.Account, error) {
	found, err := r.profiles.Get(ctx, ids, func(ctx context.Context, ids []int64) (map[int64]profile, error) {
		var rows []userRow
		if err := r.db.WithContext(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("get users by id: %w", err)
		}
		out := make(map[int64]profile, len(rows))
		for _, row := range rows {
			out[row.ID] = profile{ID: row.ID, Username: row.Username, AvatarKey: row.AvatarKey,
				BackgroundKey: row.BackgroundKey, Signature: row.Signature, CreatedAt: row.CreatedAt}
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*biz.Account, 0, len(found))
	for _, p := range found {
		out = append(out, &biz.Account{ID: p.ID, Username: p.Username, AvatarKey: p.AvatarKey,
			BackgroundKey: p.BackgroundKey, Signature: p.Signature, CreatedAt: p.CreatedAt})
	}
	return out, nil
}

// TokenVersions returns the token version of each of ids (0 for an id that does not exist).
func (r *Users) TokenVersions(ctx context.Context, ids []int64) (map[int64]int64, error) {
	return r.versions.Get(ctx, ids, func(ctx context.Context, ids []int64) (map[int64]int64, error) {
		var rows []userRow
		if err := r.db.WithContext(ctx).Select("id", "token_version").Where("id IN ?", ids).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("get token versions: %w", err)
		}
		out := make(map[int64]int64, len(rows))
		for _, row := range rows {
			out[row.ID] = row.TokenVersion
		}
		return out, nil
	})
}

// RevokeTokens raises the token version of user id, or reports errno.UserNotFound.
func (r *Users) RevokeTokens(ctx context.Context, id int64) error {
	var n int64
	err := db.InTx(ctx, r.db, func(tx *gorm.DB) error {
		res := tx.Model(&userRow{}).Where("id = ?", id).Update("token_version", gorm.Expr("token_version + 1"))
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	r.cache.Invalidate(ctx, r.versions.Key(id))
	if n == 0 {
		return errno.UserNotFound
	}
	return nil
}

func (r userRow) toBiz() *biz.Account {
	return &biz.Account{ID: r.ID, Username: r.Username, PasswordHash: r.PasswordHash, AvatarKey: r.AvatarKey,
		BackgroundKey: r.BackgroundKey, Signature: r.Signature, CreatedAt: r.CreatedAt, TokenVersion: r.TokenVersion}
}
