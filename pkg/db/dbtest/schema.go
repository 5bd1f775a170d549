package dbtest

import (
	"context"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/db"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// AutoMigrate creates the tables of models with gorm, as InnoDB tables: what the code's structs
// expect the schema to be.
func AutoMigrate(t testing.TB, gdb *gorm.DB, models ...any) {
	t.Helper()
	if err := gdb.Set("gorm:table_options", "ENGINE=InnoDB").AutoMigrate(models...); err != nil {
		t.Fatalf("gorm AutoMigrate: %v", err)
	}
}

// AssertMigrationsMatchModels applies the migrations of src to one fresh schema and gorm
// AutoMigrate of models to another, then compares the two in information_schema: the same
// tables (engine, collation), columns (position, type, nullability, default, extra, character set,
// collation) and indexes (name, columns in order, uniqueness). Every difference fails the test.
// It keeps the SQL of the migrations and the structs of the dal in step: a column added to one
// and not the other shows here.
func AssertMigrationsMatchModels(t testing.TB, src fs.FS, models ...any) {
	t.Helper()
	migrated := Schema(t, "mig")
	Migrate(t, migrated, src)
	modelled := Schema(t, "orm")
	AutoMigrate(t, OpenSchema(t, modelled), models...)

	gdb := OpenSchema(t, migrated)
	want := DescribeSchema(t, gdb, modelled)
	got := DescribeSchema(t, gdb, migrated)
	for _, line := range got {
		if !slices.Contains(want, line) {
			t.Errorf("the migrations make %s; the models do not", line)
		}
	}
	for _, line := range want {
		if !slices.Contains(got, line) {
			t.Errorf("the models make %s; the migrations do not", line)
		}
	}
	if len(got) == 0 {
		t.Error("the migrated schema has no tables")
	}
}

// DescribeSchema lists the tables, columns and indexes of schema, one sorted line each, leaving
// out golang-migrate's own version table.
func DescribeSchema(t testing.TB, gdb *gorm.DB, schema string) []string {
	t.Helper()
	queries := []string{
		`SELECT CONCAT('table ', TABLE_NAME, ' engine=', ENGINE, ' collation=', TABLE_COLLATION)
		 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> ?`,
		`SELECT CONCAT('column ', TABLE_NAME, '.', COLUMN_NAME, ' #', ORDINAL_POSITION, ' ', COLUMN_TYPE,
		   ' nullable=', IS_NULLABLE, ' default=', COALESCE(COLUMN_DEFAULT, '(none)'), ' extra=', EXTRA,
		   ' charset=', COALESCE(CHARACTER_SET_NAME, '-'), ' collation=', COALESCE(COLLATION_NAME, '-'))
		 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> ?`,
		`SELECT CONCAT('index ', TABLE_NAME, '.', INDEX_NAME, ' unique=', IF(NON_UNIQUE = 0, 'yes', 'no'),
		   ' type=', INDEX_TYPE, ' columns=', GROUP_CONCAT(COLUMN_NAME, COALESCE(CONCAT('(', SUB_PART, ')'), ''),
		   ' ', COALESCE(COLLATION, '') ORDER BY SEQ_IN_INDEX SEPARATOR ','))
		 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> ?
		 GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE, INDEX_TYPE`,
	}
	var lines []string
	for _, q := range queries {
		var rows []string
		if err := gdb.WithContext(context.Background()).Raw(q, schema, db.MigrationsTable).Scan(&rows).Error; err != nil {
			t.Fatalf("describe schema %s: %v", schema, err)
		}
		lines = append(lines, rows...)
	}
	slices.Sort(lines)
	return lines
}

// AssertUpDownUp walks the migrations of src through a fresh schema: up one version at a time,
// the whole step again (which must change nothing), down one version at a time, where each
// .down.sql must bring back exactly the schema of the version below, and up again to the same
// schema as the first time.
func AssertUpDownUp(t testing.TB, src fs.FS) {
	t.Helper()
	versions, err := db.MigrationVersions(src)
	if err != nil {
		t.Fatal(err)
	}
	schema := Schema(t, "mig")
	gdb := OpenSchema(t, schema)
	to := func(v uint) []string {
		t.Helper()
		if err := db.MigrateTo(context.Background(), config.MySQL{DSN: DSN(), Database: schema}, src, v, quiet()); err != nil {
			t.Fatalf("migrate %s to version %d: %v", schema, v, err)
		}
		return DescribeSchema(t, gdb, schema)
	}
	at := map[uint][]string{0: to(0)}
	for _, v := range versions {
		at[v] = to(v)
	}
	latest := versions[len(versions)-1]
	Migrate(t, schema, src)
	if got := DescribeSchema(t, gdb, schema); !slices.Equal(got, at[latest]) {
		t.Errorf("a second migration step changed the schema:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(at[latest], "\n"))
	}
	below := append([]uint{0}, versions[:len(versions)-1]...)
	for i := len(below) - 1; i >= 0; i-- {
		if got := to(below[i]); !slices.Equal(got, at[below[i]]) {
			t.Errorf("down to version %d leaves\n%s\nwant, as on the way up,\n%s", below[i], strings.Join(got, "\n"), strings.Join(at[below[i]], "\n"))
		}
	}
	if len(at[0]) != 0 {
		t.Errorf("every down migration leaves %v; want an empty schema", at[0])
	}
	Migrate(t, schema, src)
	if got := DescribeSchema(t, gdb, schema); !slices.Equal(got, at[latest]) {
		t.Errorf("up again gives\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(at[latest], "\n"))
	}
}
