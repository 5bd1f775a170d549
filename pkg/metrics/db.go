package metrics

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"gorm.io/gorm"
)

// DB holds a process's database metrics: the pool of each instrumented database (the
// go_sql_* gauges and counters of sql.DBStats, labelled db_name) and the latency and failures of
// its statements by operation (create, query, update, delete, row, raw).
type DB struct {
	reg      prometheus.Registerer
	duration *prometheus.HistogramVec
	failures *prometheus.CounterVec
}

// NewDB registers the statement metrics on reg; Instrument adds each database.
func NewDB(reg prometheus.Registerer) (*DB, error) {
	d := &DB{
		reg: reg,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "db", Name: "statement_duration_seconds",
			Help:    "Latency of SQL statements issued through gorm, by schema and operation.",
			Buckets: statementBuckets,
		}, []string{"db", "operation"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "db", Name: "statement_errors_total",
			Help: "SQL statements that failed, by schema and operation (a missing row or a duplicate key is an answer, not a failure).",
		}, []string{"db", "operation"}),
	}
	if err := register(reg, d.duration, d.failures); err != nil {
		return nil, err
	}
	return d, nil
}

// Instrument measures gdb, the schema called name: its connection pool and every statement.
func (d *DB) Instrument(gdb *gorm.DB, name string) error {
	sqlDB, err := gdb.DB()
	if err != nil {
		return fmt.Errorf("metrics: database %s: %w", name, err)
	}
	if err := register(d.reg, collectors.NewDBStatsCollector(sqlDB, name)); err != nil {
		return fmt.Errorf("metrics: pool of %s: %w", name, err)
	}
	if err := gdb.Use(&statementPlugin{db: d, name: name}); err != nil {
		return fmt.Errorf("metrics: statements of %s: %w", name, err)
	}
	// Failures start at zero, so that a failure ratio exists before the first failure.
	for _, op := range operations {
		d.failures.WithLabelValues(name, op)
	}
	return nil
}

// operations are gorm's, the values of the operation label.
var operations = []string{"create", "query", "update", "delete", "row", "raw"}

// statementPlugin times each gorm operation between callbacks placed around gorm's own.
type statementPlugin struct {
	db   *DB
	name string
}

func (p *statementPlugin) Name() string { return "metrics:" + p.name }

const startKey = "metrics:start"

func (p *statementPlugin) Initialize(gdb *gorm.DB) error {
	cb := gdb.Callback()
	return errors.Join(
		cb.Create().Before("gorm:create").Register("metrics:before_create", before),
		cb.Create().After("gorm:create").Register("metrics:after_create", p.after("create")),
		cb.Query().Before("gorm:query").Register("metrics:before_query", before),
		cb.Query().After("gorm:query").Register("metrics:after_query", p.after("query")),
		cb.Update().Before("gorm:update").Register("metrics:before_update", before),
		cb.Update().After("gorm:update").Register("metrics:after_update", p.after("update")),
		cb.Delete().Before("gorm:delete").Register("metrics:before_delete", before),
		cb.Delete().After("gorm:delete").Register("metrics:after_delete", p.after("delete")),
		cb.Row().Before("gorm:row").Register("metrics:before_row", before),
		cb.Row().After("gorm:row").Register("metrics:after_row", p.after("row")),
		cb.Raw().Before("gorm:raw").Register("metrics:before_raw", before),
		cb.Raw().After("gorm:raw").Register("metrics:after_raw", p.after("raw")),
	)
}

func before(tx *gorm.DB) { tx.InstanceSet(startKey, time.Now()) }

func (p *statementPlugin) after(op string) func(*gorm.DB) {
	return func(tx *gorm.DB) {
		v, ok := tx.InstanceGet(startKey)
		if !ok {
			return
		}
		start, ok := v.(time.Time)
		if !ok {
			return
		}
		p.db.duration.WithLabelValues(p.name, op).Observe(time.Since(start).Seconds())
		if statementFailed(tx.Error) {
			p.db.failures.WithLabelValues(p.name, op).Inc()
		}
	}
}

// statementFailed tells a failure from an answer: a missing row and a duplicate key are what the
// data access code asks about (First, a unique username).
func statementFailed(err error) bool {
	return err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && !errors.Is(err, gorm.ErrDuplicatedKey)
}
