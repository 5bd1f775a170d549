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
}

func (userRow) TableName() string { return "users" }

// Users implements biz.Repo.
type Users struct{ db *gorm.DB }

// NewUsers returns the repository over gdb.
func NewUsers(gdb *gorm.DB) *Users { return &Users{db: gdb} }

func (r *Users) Create(ctx context.Context, a *biz.Account) error {
	row := userRow{Username: a.Username, PasswordHash: a.PasswordHash, AvatarKey: a.AvatarKey,
		BackgroundKey: a.BackgroundKey, Signature: a.Signature, CreatedAt: a.CreatedAt}
	if err := r.db.WithContext(ctx).Create(&row).Error; err != nil {
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

func (r *Users) MGet(ctx context.Context, ids []int64) ([]*biz.Account, error) {
	var rows []userRow
	if err := r.db.WithContext(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get users by id: %w", err)
	}
	out := make([]*biz.Account, 0, len(rows))
	for _, row := range rows {
		out = append(out, row.toBiz())
	}
	return out, nil
}

func (r userRow) toBiz() *biz.Account {
	return &biz.Account{ID: r.ID, Username: r.Username, PasswordHash: r.PasswordHash, AvatarKey: r.AvatarKey,
		BackgroundKey: r.BackgroundKey, Signature: r.Signature, CreatedAt: r.CreatedAt}
}
