//go:build integration

package dal

import (
	"os"
	"testing"

	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/services/comment/migrations"
)

// TestMain runs the tests, then checks the plan of every read statement they made the repository
// send, against tables of some tens of thousands of rows spread over the ids the tests use.
func TestMain(m *testing.M) {
	os.Exit(dbtest.CheckPlans(m, dbtest.Plans{
		Migrations: migrations.FS(),
		Fill: []string{
			"INSERT INTO comments (video_id, user_id, content, created_at, deleted_at) " +
				"SELECT 1 + seq MOD 2000, 1 + seq MOD 997, CONCAT('comment ', seq), TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq SECOND, " +
				"IF(seq MOD 50 = 0, TIMESTAMP'2026-02-01 00:00:00', NULL) FROM seq_1_to_60000",
			"INSERT INTO video_comment_counts (video_id, comment_count) " +
				"SELECT video_id, COUNT(*) FROM comments WHERE deleted_at IS NULL GROUP BY video_id",
		},
	}))
}
