//go:build integration

package dal

import (
	"os"
	"testing"

	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/services/video/migrations"
)

// TestMain runs the tests, then checks the plan of every read statement they made the repository
// send, against tables of some tens of thousands of rows spread over the ids the tests use: 50,000
// videos of 1,000 authors, an outbox of 50,000 messages sent and 100 waiting.
func TestMain(m *testing.M) {
	os.Exit(dbtest.CheckPlans(m, dbtest.Plans{
		Migrations: migrations.FS(),
		Fill: []string{
			"INSERT INTO videos (author_id, title, play_key, cover_key, publish_time_ms) " +
				"SELECT 1 + seq MOD 1000, CONCAT('video ', seq), CONCAT('plan/', seq, '.mp4'), CONCAT('plan/', seq, '.jpg'), " +
				"1700000000000 + seq * 1000 FROM seq_1_to_50000",
			"INSERT INTO work_counts (author_id, works) SELECT author_id, COUNT(*) FROM videos GROUP BY author_id",
			"UPDATE publish_clock SET last_ms = (SELECT MAX(publish_time_ms) FROM videos) WHERE id = 1",
			"INSERT INTO outbox (subject, payload, created_at, sent_at) " +
				"SELECT 'video.uploaded', 'x', TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq SECOND, " +
				"IF(seq > 50000, NULL, TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq SECOND) FROM seq_1_to_50100",
		},
		Allowed: map[string]string{
			"DELETE FROM outbox WHERE sent_at < ? ORDER BY sent_at LIMIT ?": "MariaDB shows a DELETE's ordered index read as a " +
				"scan of the whole index; it stops at its LIMIT, after the unsent rows (NULL, first in the index), which the relay keeps few",
		},
	}))
}
