//go:build integration

package dal

import (
	"os"
	"testing"

	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/services/message/migrations"
)

// TestMain runs the tests, then checks the plan of every read statement they made the repository
// send, against tables of some tens of thousands of rows spread over the ids the tests use: 2,000
// pairs of 30 messages each and their latest messages.
func TestMain(m *testing.M) {
	os.Exit(dbtest.CheckPlans(m, dbtest.Plans{
		Migrations: migrations.FS(),
		Fill: []string{
			"INSERT INTO messages (user_lo, user_hi, from_user_id, to_user_id, create_time_ms, content) " +
				"SELECT lo, hi, IF(seq MOD 2 = 0, lo, hi), IF(seq MOD 2 = 0, hi, lo), 1700000000000 + seq * 1000, CONCAT('message ', seq) " +
				"FROM (SELECT seq, 1 + (seq DIV 30) MOD 100 AS lo, 101 + seq DIV 3000 AS hi FROM seq_0_to_59999) AS s",
			"INSERT INTO latest_messages (user_lo, user_hi, message_id, from_user_id, to_user_id, create_time_ms, content) " +
				"SELECT m.user_lo, m.user_hi, m.id, m.from_user_id, m.to_user_id, m.create_time_ms, m.content FROM messages AS m " +
				"JOIN (SELECT MAX(id) AS id FROM messages GROUP BY user_lo, user_hi) AS last ON m.id = last.id",
		},
	}))
}
