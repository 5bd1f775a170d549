//go:build integration

package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
)

// fillServices are the schemas the fill writes, each migrated from its service's migrations.
var fillServices = []string{"user", "video", "favorite", "comment", "relation", "message"}

// fillSchemas makes the six schemas of a stack under a fresh prefix, migrated as the stack's
// migration step does, and drops them when the test ends.
func fillSchemas(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	prefix := dbtest.SchemaName("fill") + "_"
	base, err := mysql.ParseDSN(dbtest.DSN())
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range fillServices {
		name := prefix + svc
		if err := db.CreateSchema(ctx, base, name); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		t.Cleanup(func() { _ = db.DropSchema(context.Background(), dbtest.DSN(), name) })
		src := os.DirFS(filepath.Join("..", "..", "..", "services", svc, "migrations"))
		if err := db.MigrateUp(ctx, config.MySQL{DSN: dbtest.DSN(), Database: name}, src, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatalf("migrate %s: %v", name, err)
		}
	}
	return prefix
}

// Every counter the fill writes equals the COUNT(*) of its rows, as the services keep them; a
// second fill writes nothing and changes no counter; a fill cut short goes on where it stopped.
func TestFillKeepsCountersAndRunsOnce(t *testing.T) {
	prefix := fillSchemas(t)
	sizes := fillSizes{Users: 101, Videos: 1000, LikesPerUser: 20, Comments: 250, Followers: 100, Messages: 130, Batch: 64}
	if err := sizes.validate(); err != nil {
		t.Fatal(err)
	}
	f := &filler{dsn: dbtest.DSN(), prefix: prefix, sizes: sizes, out: io.Discard}
	parts := fillParts(sizes, 7, 3)
	ctx := context.Background()

	// Cut short: only the first part's first batch.
	first, err := f.open(parts[0].service)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if err := writeBatch(ctx, first, parts[0], batches(parts[0].rows, sizes.Batch)[0]); err != nil {
		t.Fatal(err)
	}
	if done, total, err := f.state(ctx, parts); err != nil || done != 1 || total < 10 {
		t.Fatalf("state after one batch: %d of %d, %v; want 1 of many", done, total, err)
	}
	if err := f.fill(ctx, parts); err != nil {
		t.Fatal(err)
	}
	if done, total, err := f.state(ctx, parts); err != nil || done != total {
		t.Fatalf("state after the fill: %d of %d, %v", done, total, err)
	}
	checks := map[string][]string{
		// Each query answers 0 when the counters match the rows.
		"user": {"SELECT COUNT(*) - 101 FROM users"},
		"video": {
			"SELECT COUNT(*) - 1000 FROM videos",
			"SELECT COUNT(*) FROM work_counts w WHERE works <> (SELECT COUNT(*) FROM videos v WHERE v.author_id = w.author_id)",
			"SELECT COUNT(DISTINCT author_id) - (SELECT COUNT(*) FROM work_counts) FROM videos",
			"SELECT COUNT(*) FROM videos WHERE author_id NOT BETWEEN 1000000000 AND 1000000100",
		},
		"favorite": {
			"SELECT COUNT(*) - 2020 FROM likes",
			"SELECT COUNT(*) FROM video_favorite_stats s WHERE favorite_count <> (SELECT COUNT(*) FROM likes l WHERE l.video_id = s.video_id)",
			"SELECT COUNT(DISTINCT video_id) - (SELECT COUNT(*) FROM video_favorite_stats) FROM likes",
			"SELECT COUNT(*) FROM user_favorite_stats s WHERE favorite_count <> (SELECT COUNT(*) FROM likes l WHERE l.user_id = s.user_id) " +
				"OR total_favorited <> (SELECT COUNT(*) FROM likes l WHERE l.author_id = s.user_id)",
			"SELECT COUNT(*) FROM (SELECT user_id FROM likes UNION SELECT author_id FROM likes) AS u " +
				"WHERE u.user_id NOT IN (SELECT user_id FROM user_favorite_stats)",
			"SELECT COUNT(*) - 20 FROM likes WHERE user_id = 1000000042",
			"SELECT COUNT(*) FROM likes WHERE video_id NOT BETWEEN 1000000000 AND 1000000999",
		},
		"comment": {
			"SELECT COUNT(*) - 250 FROM comments WHERE video_id = 1000000000 AND deleted_at IS NULL",
			"SELECT comment_count - 250 FROM video_comment_counts WHERE video_id = 1000000000",
		},
		"relation": {
			"SELECT follower_count - 100 FROM user_stats WHERE user_id = 1000000000",
			"SELECT COUNT(*) FROM user_stats s WHERE follow_count <> (SELECT COUNT(*) FROM follows f WHERE f.follower_id = s.user_id AND active) " +
				"OR follower_count <> (SELECT COUNT(*) FROM follows f WHERE f.followee_id = s.user_id AND active)",
		},
		"message": {
			"SELECT COUNT(*) - 130 FROM messages WHERE user_lo = 3 AND user_hi = 7",
			"SELECT message_id - (SELECT MAX(id) FROM messages) FROM latest_messages WHERE user_lo = 3 AND user_hi = 7",
			"SELECT create_time_ms - (SELECT MAX(create_time_ms) FROM messages) FROM latest_messages WHERE user_lo = 3 AND user_hi = 7",
		},
	}
	check := func(when string) {
		t.Helper()
		for svc, queries := range checks {
			conn := open(t, prefix+svc)
			for _, q := range queries {
				var n sql.NullInt64
				if err := conn.QueryRowContext(ctx, q).Scan(&n); err != nil {
					t.Fatalf("%s: %s: %v", svc, q, err)
				}
				if !n.Valid || n.Int64 != 0 {
					t.Errorf("%s, %s: %s = %v; want 0", when, svc, q, n)
				}
			}
		}
	}
	check("after the fill")
	if err := f.fill(ctx, parts); err != nil {
		t.Fatal(err)
	}
	check("after a second fill")
}

func open(t *testing.T, schema string) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(dbtest.DSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = schema
	conn, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
