//go:build integration

package dal

import (
	"os"
	"testing"

	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/services/relation/migrations"
)

// TestMain runs the tests, then checks the plan of every read statement they made the repository
// send, against tables of some tens of thousands of rows spread over the ids the tests use: 2,000
// users following 30 each, one in ten of the follows undone, a third of them followed back.
func TestMain(m *testing.M) {
	os.Exit(dbtest.CheckPlans(m, dbtest.Plans{
		Migrations: migrations.FS(),
		Fill: []string{
			"INSERT INTO follows (follower_id, followee_id, active, created_at) " +
				"SELECT 1 + seq DIV 30, 1 + (seq DIV 30 + 1 + (seq MOD 30) * 37) MOD 2000, seq MOD 10 <> 0, " +
				"TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_0_to_59999",
			"INSERT IGNORE INTO follows (follower_id, followee_id, active, created_at) " +
				"SELECT followee_id, follower_id, 1, created_at + INTERVAL 1 DAY FROM follows WHERE id MOD 3 = 0",
			"INSERT INTO user_stats (user_id, follow_count, follower_count) " +
				"SELECT seq, (SELECT COUNT(*) FROM follows WHERE follower_id = seq AND active = 1), " +
				"(SELECT COUNT(*) FROM follows WHERE followee_id = seq AND active = 1) FROM seq_1_to_2000",
		},
		Allowed: map[string]string{
			"GREATEST(f.created_at, b.created_at)": "a friendship dates from the later of its two follows, which no index holds: " +
				"the user's own follows are sorted, at most the user's follow count, and the list is cached",
		},
	}))
}
