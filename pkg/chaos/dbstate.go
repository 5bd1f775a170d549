package chaos

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// observe reads from the suite's MariaDB what the ledger's writes should have left.
func (s *suite) observe(ctx context.Context) (Observed, error) {
	obs := Observed{
		Present: map[Kind]map[string]bool{KindLike: {}, KindFollow: {}},
		Rows:    map[Kind]map[string]int{KindComment: {}, KindMessage: {}},
	}
	db, err := s.db.open("")
	if err != nil {
		return obs, err
	}
	defer db.Close()
	pairs := []struct {
		kind  Kind
		query string
	}{
		{KindLike, "SELECT user_id, video_id FROM " + s.table("favorite", "likes")},
		{KindFollow, "SELECT follower_id, followee_id FROM " + s.table("relation", "follows") + " WHERE active"},
	}
	for _, p := range pairs {
		err := eachRow(ctx, db, p.query, func(rows *sql.Rows) error {
			var a, b int64
			if err := rows.Scan(&a, &b); err != nil {
				return err
			}
			obs.Present[p.kind][pairKey(a, b)] = true
			return nil
		})
		if err != nil {
			return obs, err
		}
	}
	texts := []struct {
		kind  Kind
		query string
	}{
		{KindComment, "SELECT content, COUNT(*) FROM " + s.table("comment", "comments") + " WHERE deleted_at IS NULL GROUP BY content"},
		{KindMessage, "SELECT content, COUNT(*) FROM " + s.table("message", "messages") + " GROUP BY content"},
	}
	for _, t := range texts {
		err := eachRow(ctx, db, t.query, func(rows *sql.Rows) error {
			var text string
			var n int
			if err := rows.Scan(&text, &n); err != nil {
				return err
			}
			obs.Rows[t.kind][text] = n
			return nil
		})
		if err != nil {
			return obs, err
		}
	}
	return obs, nil
}

func eachRow(ctx context.Context, db *sql.DB, query string, scan func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("%s: %w", query, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// counter is a count kept beside its rows: counters.counter for key must equal the number of
// rows.where rows whose rowKey is key, in both directions (a key with rows needs its counter).
type counter struct {
	service       string
	counters, key string // table of counters and its key column
	column        string // the counter column
	rows, rowKey  string // table of rows and the column naming the counter's key
	where         string // which rows count ("" = all)
}

// counters lists every counter of every schema (the user schema keeps none).
func counters() []counter {
	return []counter{
		{"video", "work_counts", "author_id", "works", "videos", "author_id", ""},
		{"favorite", "video_favorite_stats", "video_id", "favorite_count", "likes", "video_id", ""},
		{"favorite", "user_favorite_stats", "user_id", "favorite_count", "likes", "user_id", ""},
		{"favorite", "user_favorite_stats", "user_id", "total_favorited", "likes", "author_id", ""},
		{"comment", "video_comment_counts", "video_id", "comment_count", "comments", "video_id", "deleted_at IS NULL"},
		{"relation", "user_stats", "user_id", "follow_count", "follows", "follower_id", "active"},
		{"relation", "user_stats", "user_id", "follower_count", "follows", "followee_id", "active"},
	}
}

func (c counter) String() string {
	return fmt.Sprintf("%s.%s.%s = COUNT(%s by %s)", c.service, c.counters, c.column, c.rows, c.rowKey)
}

// mismatchQuery lists the keys whose counter differs from their rows' count, counting a
// missing counter row as 0.
func (c counter) mismatchQuery(table func(service, name string) string) string {
	where := ""
	if c.where != "" {
		where = " WHERE " + c.where
	}
	counts := fmt.Sprintf("SELECT %s AS k, COUNT(*) AS n FROM %s%s GROUP BY %s", c.rowKey, table(c.service, c.rows), where, c.rowKey)
	return fmt.Sprintf(`SELECT k, SUM(c), SUM(n) FROM (
  SELECT %[1]s AS k, %[2]s AS c, 0 AS n FROM %[3]s
  UNION ALL
  SELECT k, 0, n FROM (%[4]s) r
) t GROUP BY k HAVING SUM(c) <> SUM(n)`, c.key, c.column, table(c.service, c.counters), counts)
}

// latestQuery lists the pairs whose latest message is not their newest message.
func latestQuery(table func(service, name string) string) string {
	return fmt.Sprintf(`SELECT COUNT(*) FROM (
  SELECT user_lo, user_hi, MAX(id) AS newest FROM %s GROUP BY user_lo, user_hi
) m LEFT JOIN %s l ON l.user_lo = m.user_lo AND l.user_hi = m.user_hi
WHERE l.message_id IS NULL OR l.message_id <> m.newest`, table("message", "messages"), table("message", "latest_messages"))
}

// checkCounters compares every counter with its rows.
func (s *suite) checkCounters(ctx context.Context, r *result) {
	db, err := s.db.open("")
	if err != nil {
		r.check("counters equal their rows", false, "%v", err)
		return
	}
	defer db.Close()
	for _, c := range counters() {
		var bad []string
		err := eachRow(ctx, db, c.mismatchQuery(s.table), func(rows *sql.Rows) error {
			var k, counter, n int64
			if err := rows.Scan(&k, &counter, &n); err != nil {
				return err
			}
			bad = append(bad, fmt.Sprintf("%s %d: %d, rows %d", c.key, k, counter, n))
			return nil
		})
		detail := "equal for every key"
		if err != nil {
			detail = err.Error()
		} else if len(bad) > 0 {
			detail = fmt.Sprintf("%d key(s) differ: %s", len(bad), strings.Join(bad[:min(len(bad), 3)], "; "))
		}
		r.check("counter "+c.String(), err == nil && len(bad) == 0, "%s", detail)
	}
	var stale int
	err = db.QueryRowContext(ctx, latestQuery(s.table)).Scan(&stale)
	r.check("message.latest_messages holds each pair's newest message", err == nil && stale == 0, "%d pair(s) differ%s", stale, errDetail(err))
}
