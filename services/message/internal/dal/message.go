// Package dal keeps the message service's chat messages, and the latest message of each pair of
// users, in its own MySQL schema.
// Its tables are made by the SQL migrations in services/message/migrations, not by gorm; the structs
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
	"simpletiktok/services/message/internal/biz"
)

// messageRow is one message. A conversation is read by its ordered pair (UserLo < UserHi), so one
// index answers a chat in both directions, already in (time, id) order.
type messageRow struct {
	ID           int64 `gorm:"primaryKey;autoIncrement"`
	UserLo       int64 `gorm:"not null;index:idx_messages_pair_time,priority:1"`
	UserHi       int64 `gorm:"not null;index:idx_messages_pair_time,priority:2"`
	FromUserID   int64 `gorm:"not null;uniqueIndex:uk_messages_from_request,priority:1"`
	ToUserID     int64 `gorm:"not null"`
	CreateTimeMs int64 `gorm:"not null;index:idx_messages_pair_time,priority:3"`
	// varchar counts characters, as biz.MaxContentLen does.
	Content string `gorm:"type:varchar(500);not null"`
	// RequestKey is the sender's idempotency key, NULL when none was sent (NULLs never collide in a
	// unique key): a repeated send with the same key cannot insert a second row.
	RequestKey *string `gorm:"type:varchar(64);uniqueIndex:uk_messages_from_request,priority:2"`
}

func (messageRow) TableName() string { return "messages" }

// latestRow is the latest message of a pair, copied so that a friend list reads it by key. The
// row is also the pair's lock: a send holds it while it stamps and stores its message. MessageID
// 0 means the pair has no message yet.
type latestRow struct {
	UserLo       int64  `gorm:"primaryKey;autoIncrement:false"`
	UserHi       int64  `gorm:"primaryKey;autoIncrement:false;index:idx_latest_hi_lo,priority:1"`
	MessageID    int64  `gorm:"not null;default:0"`
	FromUserID   int64  `gorm:"not null;default:0"`
	ToUserID     int64  `gorm:"not null;default:0"`
	CreateTimeMs int64  `gorm:"not null;default:0"`
	Content      string `gorm:"type:varchar(500);not null;default:''"`
}

func (latestRow) TableName() string { return "latest_messages" }

// Messages implements biz.Repo over MySQL, with the latest message of each pair cached in Redis
// (latest.go).
type Messages struct {
	db     *gorm.DB
	cache  *cache.Cache
	latest *cache.Family[pair, *biz.Message] // "lm": a pair's latest message (nil: none yet)
}

// NewMessages returns the repository over gdb, caching in c (nil: no cache).
func NewMessages(gdb *gorm.DB, c *cache.Cache) *Messages {
	return &Messages{db: gdb, cache: c, latest: cache.NewMutable(c, "lm", pair.key, cache.JSON[*biz.Message]())}
}

func ordered(a, b int64) (int64, int64) {
	if a < b {
		return a, b
	}
	return b, a
}

// Create locks the pair's latest row (creating it for a first message), stores m at the time
// sendTime picks from the pair's latest time, and makes m the latest, in one transaction (run
// again whole if InnoDB aborts it, which calls sendTime again). A duplicate of the sender's
// request key stores nothing (a repetition racing the first send waits for it on the pair's lock)
// and returns the message that has it. With repeatSince set, an identical message of the sender
// to the receiver since then (findRepeat), looked for under the pair's lock, is returned instead,
// and nothing is stored.
func (r *Messages) Create(ctx context.Context, m *biz.Message, repeatSince time.Time, sendTime func(latestMs int64) int64) (*biz.Message, error) {
	lo, hi := ordered(m.FromUserID, m.ToUserID)
	var row messageRow
	var first *messageRow
	err := db.InTx(ctx, r.db, func(tx *gorm.DB) error {
		err := tx.Exec("INSERT INTO latest_messages (user_lo, user_hi) VALUES (?, ?) ON DUPLICATE KEY UPDATE user_lo = user_lo", lo, hi).Error
		if err != nil {
			return err
		}
		var latest latestRow
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("user_lo = ? AND user_hi = ?", lo, hi).Take(&latest).Error; err != nil {
			return err
		}
		if !repeatSince.IsZero() {
			found, err := findRepeat(tx, lo, hi, m, repeatSince)
			if err != nil || found != nil {
				first = found
				return cmp.Or(err, errRepeat)
			}
		}
		row = messageRow{UserLo: lo, UserHi: hi, FromUserID: m.FromUserID, ToUserID: m.ToUserID,
			Content: m.Content, CreateTimeMs: sendTime(latest.CreateTimeMs)}
		if m.RequestKey != "" {
			row.RequestKey = &m.RequestKey
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return tx.Model(&latestRow{}).Where("user_lo = ? AND user_hi = ?", lo, hi).Updates(map[string]any{
			"message_id": row.ID, "from_user_id": row.FromUserID, "to_user_id": row.ToUserID,
			"create_time_ms": row.CreateTimeMs, "content": row.Content,
		}).Error
	})
	if errors.Is(err, errRepeat) {
		return first.toBiz(), nil // nothing changed: the cache stays
	}
	// Before the answer (and after an error, whose outcome may be unknown): the pair's cached
	// latest message goes.
	r.cache.Invalidate(ctx, r.latest.Key(pair{lo, hi}))
	if m.RequestKey != "" && db.IsDuplicateKey(err) {
		var first messageRow
		if err := r.db.WithContext(ctx).Where("from_user_id = ? AND request_key = ?", m.FromUserID, m.RequestKey).Take(&first).Error; err != nil {
			return nil, fmt.Errorf("message of a repeated request key: %w", err)
		}
		return first.toBiz(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("send message %d -> %d: %w", m.FromUserID, m.ToUserID, err)
	}
	m.ID, m.CreateTimeMs = row.ID, row.CreateTimeMs
	return m, nil
}

// errRepeat ends a Create transaction that found the send's repeat, so that it commits nothing.
var errRepeat = errors.New("an identical message was sent already")

// findRepeat returns the oldest message of m.FromUserID to m.ToUserID (the pair lo, hi) sent at or
// after since, with exactly m.Content, or nil. It reads a range of idx_messages_pair_time. The
// caller holds the pair's lock, which every send of the pair takes before it stores: every earlier
// send has committed, and a plain read under READ COMMITTED (a fresh view at each statement) sees
// it; messages are never deleted or changed, so there is nothing else to wait for. content = ?
// compares under the column's collation, which ignores case and trailing spaces; the exact bytes
// are compared here.
func findRepeat(tx *gorm.DB, lo, hi int64, m *biz.Message, since time.Time) (*messageRow, error) {
	var rows []messageRow
	if err := repeatQuery(tx, lo, hi, m, since).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("look for a repeated message: %w", err)
	}
	for _, row := range rows {
		if row.Content == m.Content {
			return &row, nil
		}
	}
	return nil, nil
}

// repeatQuery selects the candidates of findRepeat, oldest first.
func repeatQuery(tx *gorm.DB, lo, hi int64, m *biz.Message, since time.Time) *gorm.DB {
	return tx.Where("user_lo = ? AND user_hi = ? AND create_time_ms >= ? AND from_user_id = ? AND content = ?",
		lo, hi, since.UnixMilli(), m.FromUserID, m.Content).Order("create_time_ms, id")
}

// readLatest reads the latest message of pairs by their primary key; a pair without one is left
// out.
func (r *Messages) readLatest(ctx context.Context, pairs []pair) (map[pair]*biz.Message, error) {
	args := make([]any, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.lo, p.hi)
	}
	var rows []latestRow
	err := r.db.WithContext(ctx).Where("message_id > 0 AND (user_lo, user_hi) IN ("+db.Tuples(len(pairs), 2)+")", args...).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read the latest messages of %d pairs: %w", len(pairs), err)
	}
	out := make(map[pair]*biz.Message, len(rows))
	for _, l := range rows {
		out[pair{l.UserLo, l.UserHi}] = l.toBiz()
	}
	return out, nil
}

func (r messageRow) toBiz() *biz.Message {
	m := &biz.Message{ID: r.ID, FromUserID: r.FromUserID, ToUserID: r.ToUserID, Content: r.Content,
		CreateTimeMs: r.CreateTimeMs}
	if r.RequestKey != nil {
		m.RequestKey = *r.RequestKey
	}
	return m
}

func (l latestRow) toBiz() *biz.Message {
	return &biz.Message{ID: l.MessageID, FromUserID: l.FromUserID, ToUserID: l.ToUserID, Content: l.Content,
		CreateTimeMs: l.CreateTimeMs}
}
