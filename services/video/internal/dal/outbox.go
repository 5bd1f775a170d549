package dal

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/opentracing/opentracing-go"
	"gorm.io/gorm"

	"simpletiktok/services/video/internal/biz"
	"simpletiktok/services/video/internal/outbox"
)

// outboxRow is a message waiting to be relayed to the queue, written in the transaction of the
// row that caused it (see outbox.Relay). SentAt is set once the queue has acknowledged it; sent
// rows are kept a day, for an operator to look at, then pruned. idx_outbox_pending serves the
// relay's scan of the unsent rows in order ("sent_at IS NULL ORDER BY id").
type outboxRow struct {
	ID        int64      `gorm:"primaryKey;autoIncrement"`
	Subject   string     `gorm:"type:varchar(128) CHARACTER SET ascii COLLATE ascii_bin;not null"`
	Payload   []byte     `gorm:"type:varbinary(2048);not null"`
	Trace     string     `gorm:"type:varchar(1024) CHARACTER SET ascii COLLATE ascii_bin;not null;default:''"`
	CreatedAt time.Time  `gorm:"type:datetime(3);not null"`
	SentAt    *time.Time `gorm:"type:datetime(3);index:idx_outbox_pending,priority:1"`
}

func (outboxRow) TableName() string { return "outbox" }

func newOutboxRow(m biz.Message, trace string) *outboxRow {
	return &outboxRow{Subject: m.Subject, Payload: m.Payload, Trace: trace, CreatedAt: time.Now().UTC()}
}

// traceOf is the trace context of the request writing a message, as JSON of its text map, so that
// the relay's publish and the job's processing join the trace of the publish. "" when untraced.
func traceOf(ctx context.Context) string {
	span := opentracing.SpanFromContext(ctx)
	if span == nil {
		return ""
	}
	carrier := opentracing.TextMapCarrier{}
	if err := span.Tracer().Inject(span.Context(), opentracing.TextMap, carrier); err != nil || len(carrier) == 0 {
		return ""
	}
	b, _ := json.Marshal(map[string]string(carrier)) // a map of strings: cannot fail
	return string(b)
}

// Outbox implements outbox.Store over the outbox table.
type Outbox struct{ db *gorm.DB }

// NewOutbox returns the outbox over gdb.
func NewOutbox(gdb *gorm.DB) *Outbox { return &Outbox{db: gdb} }

func (o *Outbox) Pending(ctx context.Context, limit int) ([]outbox.Entry, error) {
	var rows []outboxRow
	if err := o.db.WithContext(ctx).Where("sent_at IS NULL").Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("outbox: pending: %w", err)
	}
	out := make([]outbox.Entry, 0, len(rows))
	for _, r := range rows {
		e := outbox.Entry{ID: r.ID, Subject: r.Subject, Payload: r.Payload, CreatedAt: r.CreatedAt}
		if r.Trace != "" {
			// A trace that does not parse only loses the link to the request; the job still goes.
			_ = json.Unmarshal([]byte(r.Trace), &e.Trace)
		}
		out = append(out, e)
	}
	return out, nil
}

func (o *Outbox) MarkSent(ctx context.Context, id int64, at time.Time) error {
	err := o.db.WithContext(ctx).Model(&outboxRow{}).Where("id = ? AND sent_at IS NULL", id).Update("sent_at", at.UTC()).Error
	if err != nil {
		return fmt.Errorf("outbox: mark %d sent: %w", id, err)
	}
	return nil
}

func (o *Outbox) Backlog(ctx context.Context) (int64, error) {
	var n int64
	if err := o.db.WithContext(ctx).Model(&outboxRow{}).Where("sent_at IS NULL").Count(&n).Error; err != nil {
		return 0, fmt.Errorf("outbox: backlog: %w", err)
	}
	return n, nil
}

func (o *Outbox) Prune(ctx context.Context, sentBefore time.Time, limit int) (int64, error) {
	res := o.db.WithContext(ctx).Exec("DELETE FROM outbox WHERE sent_at < ? ORDER BY sent_at LIMIT ?", sentBefore.UTC(), limit)
	if res.Error != nil {
		return 0, fmt.Errorf("outbox: prune: %w", res.Error)
	}
	return res.RowsAffected, nil
}
