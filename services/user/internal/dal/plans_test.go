//go:build integration

package dal

import (
	"os"
	"testing"

	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/services/user/migrations"
)

// TestMain runs the tests, then checks the plan of every read statement they made the repository
// send, against 50,000 accounts.
func TestMain(m *testing.M) {
	os.Exit(dbtest.CheckPlans(m, dbtest.Plans{
		Migrations: migrations.FS(),
		Fill: []string{
			"INSERT INTO users (username, password_hash, created_at) " +
				"SELECT CONCAT('plan_user_', seq), '!', TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_1_to_50000",
		},
	}))
}
