//go:build integration

package dal

import (
	"testing"

	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/services/relation/migrations"
)

// The migrations make exactly the tables, columns and indexes that the row structs describe. A
// table added to the migrations needs its struct here, and a struct here its migration.
func TestMigrationsMatchTheModels(t *testing.T) {
	dbtest.AssertMigrationsMatchModels(t, migrations.FS(), &followRow{}, &statsRow{})
}

// Every migration can be undone by its .down.sql and applied again; applying them twice is harmless.
func TestMigrationsGoUpDownAndUpAgain(t *testing.T) {
	dbtest.AssertUpDownUp(t, migrations.FS())
}
