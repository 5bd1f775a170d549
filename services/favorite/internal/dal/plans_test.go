//go:build integration

package dal

import (
	"os"
	"testing"

	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/services/favorite/migrations"
)

// TestMain runs the tests, then checks the plan of every read statement they made the repository
// send, against tables of some tens of thousands of rows spread over the ids the tests use: 2,000
// users with 30 likes each over 5,000 videos of 500 authors.
func TestMain(m *testing.M) {
	os.Exit(dbtest.CheckPlans(m, dbtest.Plans{
		Migrations: migrations.FS(),
		Fill: []string{
			"INSERT INTO likes (user_id, video_id, author_id, created_at) " +
				"SELECT 1 + seq DIV 30, 1 + v, 1 + v MOD 500, TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq SECOND " +
				"FROM (SELECT seq, ((seq DIV 30) * 7 + (seq MOD 30) * 13) MOD 5000 AS v FROM seq_0_to_59999) AS s",
			"INSERT INTO video_favorite_stats (video_id, favorite_count) SELECT video_id, COUNT(*) FROM likes GROUP BY video_id",
			"INSERT INTO user_favorite_stats (user_id, favorite_count, total_favorited) " +
				"SELECT id, (SELECT COUNT(*) FROM likes WHERE user_id = id), (SELECT COUNT(*) FROM likes WHERE author_id = id) " +
				"FROM (SELECT seq AS id FROM seq_1_to_2000) AS users",
		},
	}))
}
