package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"time"

	"github.com/go-sql-driver/mysql"
)

// fillSizes are the rows the large scale writes straight into the services' schemas. User 0 is
// the user followed by users 1..Followers and the author of video 0, the video with the Comments
// comments; the Messages messages go between two accounts registered through the API (chatPair),
// so that the benchmark holds a token of one of them.
type fillSizes struct {
	Users        int
	Videos       int
	LikesPerUser int
	Comments     int
	Followers    int
	Messages     int
	// Batch is the rows of one statement and transaction.
	Batch int
}

// largeFill is `-scale large`: issue 29's sizes (one user more than 100,000, so that user 0 has
// 100,000 followers besides itself).
var largeFill = fillSizes{Users: 100_001, Videos: 1_000_000, LikesPerUser: 100, Comments: 100_000,
	Followers: 100_000, Messages: 100_000, Batch: 100_000}

// fillBase is added to the index of every filled row to make its id: the filled rows sit in an id
// range of their own, far above what the API seeding makes, so that neither meets the other and
// a rerun finds each batch by its last id. Rows the API makes afterwards take ids above the fill.
const fillBase = 1_000_000_000

// Times of the filled rows: in the past, so that the newest feed page, chats and lists stay those
// of the API seeding, and publish times stay unique and below the publish clock.
const (
	fillEpoch   = "TIMESTAMP'2025-01-01 00:00:00'"
	fillEpochMs = 1_735_689_600_000 // 2025-01-01T00:00:00Z
)

func (s fillSizes) validate() error {
	switch {
	case s.Users < 2 || s.Videos < 1 || s.Batch < 1:
		return fmt.Errorf("fill: at least 2 users, 1 video and batches of 1 row: %+v", s)
	case s.LikesPerUser > s.Videos:
		return fmt.Errorf("fill: %d likes per user need as many videos, have %d", s.LikesPerUser, s.Videos)
	case s.Followers > s.Users-1:
		return fmt.Errorf("fill: %d followers need as many users besides user 0, have %d", s.Followers, s.Users-1)
	}
	return nil
}

// fillPart is one table's rows: row n (0 ≤ n < rows) has id fillBase+n and is made by insert from
// the Sequence engine's seq; each batch is one transaction that inserts its rows and moves the
// counters kept beside them by what those rows add (counters, each taking the batch's first and
// last id), as the service does in the transaction of each row.
type fillPart struct {
	name     string
	service  string // the schema is the stack's prefix + service
	table    string
	rows     int
	insert   string // "INSERT ... SELECT ... FROM %s": the sequence table of the batch goes at %s
	counters []string
}

// fillParts lays out every table of the fill; chatA and chatB are the ids of the chat pair.
func fillParts(s fillSizes, chatA, chatB int64) []fillPart {
	lo, hi := min(chatA, chatB), max(chatA, chatB)
	// authorOf(v) spreads the videos over the users in order, so that every index of videos and
	// likes grows nearly in insertion order (a bulk load that stays in the buffer pool).
	authorOf := func(v string) string { return fmt.Sprintf("%d + (%s * %d) DIV %d", fillBase, v, s.Users, s.Videos) }
	step := max(1, s.Videos/s.Users) // user u likes videos u*step .. u*step+LikesPerUser-1
	return []fillPart{
		{
			name: "users", service: "user", table: "users", rows: s.Users,
			insert: fmt.Sprintf("INSERT INTO users (id, username, password_hash, signature, created_at) "+
				"SELECT %d + seq, CONCAT('scale_u', LPAD(seq, 7, '0')), '!', 'filled by loadtest -scale', "+
				"%s + INTERVAL seq SECOND FROM %%s", fillBase, fillEpoch),
		},
		{
			name: "videos", service: "video", table: "videos", rows: s.Videos,
			insert: fmt.Sprintf("INSERT INTO videos (id, author_id, title, play_key, cover_key, publish_time_ms) "+
				"SELECT %d + seq, %s, CONCAT('scale video ', seq), CONCAT('scale/', LPAD(seq, 8, '0'), '.mp4'), "+
				"CONCAT('scale/', LPAD(seq, 8, '0'), '.jpg'), %d + seq * 1000 FROM %%s", fillBase, authorOf("seq"), fillEpochMs),
			counters: []string{
				"INSERT INTO work_counts (author_id, works) SELECT author_id, COUNT(*) FROM videos WHERE id BETWEEN ? AND ? " +
					"GROUP BY author_id ON DUPLICATE KEY UPDATE works = works + VALUES(works)",
			},
		},
		{
			name: "likes", service: "favorite", table: "likes", rows: s.Users * s.LikesPerUser,
			insert: fmt.Sprintf("INSERT INTO likes (id, user_id, video_id, author_id, created_at) "+
				"SELECT %d + seq, %d + seq DIV %d, %d + v, %s, %s + INTERVAL seq * 1000 MICROSECOND "+
				"FROM (SELECT seq, ((seq DIV %d) * %d + seq MOD %d) MOD %d AS v FROM %%s) AS s",
				fillBase, fillBase, s.LikesPerUser, fillBase, authorOf("v"), fillEpoch,
				s.LikesPerUser, step, s.LikesPerUser, s.Videos),
			counters: []string{
				"INSERT INTO video_favorite_stats (video_id, favorite_count) SELECT video_id, COUNT(*) FROM likes " +
					"WHERE id BETWEEN ? AND ? GROUP BY video_id ON DUPLICATE KEY UPDATE favorite_count = favorite_count + VALUES(favorite_count)",
				"INSERT INTO user_favorite_stats (user_id, favorite_count, total_favorited) SELECT user_id, COUNT(*), 0 FROM likes " +
					"WHERE id BETWEEN ? AND ? GROUP BY user_id ON DUPLICATE KEY UPDATE favorite_count = favorite_count + VALUES(favorite_count)",
				"INSERT INTO user_favorite_stats (user_id, favorite_count, total_favorited) SELECT author_id, 0, COUNT(*) FROM likes " +
					"WHERE id BETWEEN ? AND ? GROUP BY author_id ON DUPLICATE KEY UPDATE total_favorited = total_favorited + VALUES(total_favorited)",
			},
		},
		{
			name: "comments on one video", service: "comment", table: "comments", rows: s.Comments,
			insert: fmt.Sprintf("INSERT INTO comments (id, video_id, user_id, content, created_at) "+
				"SELECT %d + seq, %d, %d + 1 + seq MOD %d, CONCAT('scale comment ', seq), %s + INTERVAL seq SECOND FROM %%s",
				fillBase, fillBase, fillBase, s.Users-1, fillEpoch),
			counters: []string{
				"INSERT INTO video_comment_counts (video_id, comment_count) SELECT video_id, COUNT(*) FROM comments " +
					"WHERE id BETWEEN ? AND ? GROUP BY video_id ON DUPLICATE KEY UPDATE comment_count = comment_count + VALUES(comment_count)",
			},
		},
		{
			name: "followers of one user", service: "relation", table: "follows", rows: s.Followers,
			insert: fmt.Sprintf("INSERT INTO follows (id, follower_id, followee_id, active, created_at) "+
				"SELECT %d + seq, %d + 1 + seq, %d, 1, %s + INTERVAL seq SECOND FROM %%s", fillBase, fillBase, fillBase, fillEpoch),
			counters: []string{
				"INSERT INTO user_stats (user_id, follow_count, follower_count) SELECT follower_id, COUNT(*), 0 FROM follows " +
					"WHERE id BETWEEN ? AND ? GROUP BY follower_id ON DUPLICATE KEY UPDATE follow_count = follow_count + VALUES(follow_count)",
				"INSERT INTO user_stats (user_id, follow_count, follower_count) SELECT followee_id, 0, COUNT(*) FROM follows " +
					"WHERE id BETWEEN ? AND ? GROUP BY followee_id ON DUPLICATE KEY UPDATE follower_count = follower_count + VALUES(follower_count)",
			},
		},
		{
			name: "messages of one pair", service: "message", table: "messages", rows: s.Messages,
			insert: fmt.Sprintf("INSERT INTO messages (id, user_lo, user_hi, from_user_id, to_user_id, create_time_ms, content) "+
				"SELECT %d + seq, %d, %d, IF(seq MOD 2 = 0, %d, %d), IF(seq MOD 2 = 0, %d, %d), %d + seq * 1000, "+
				"CONCAT('scale message ', seq) FROM %%s", fillBase, lo, hi, chatA, chatB, chatB, chatA, fillEpochMs),
			// The pair's latest message is the batch's last, unless the pair has a newer one. The
			// assignments run in order: create_time_ms, which the others compare, goes last.
			counters: []string{
				"INSERT INTO latest_messages (user_lo, user_hi, message_id, from_user_id, to_user_id, content, create_time_ms) " +
					"SELECT user_lo, user_hi, id, from_user_id, to_user_id, content, create_time_ms FROM messages " +
					"WHERE id BETWEEN ? AND ? ORDER BY id DESC LIMIT 1 ON DUPLICATE KEY UPDATE " +
					"message_id = IF(VALUES(create_time_ms) > latest_messages.create_time_ms, VALUES(message_id), latest_messages.message_id), " +
					"from_user_id = IF(VALUES(create_time_ms) > latest_messages.create_time_ms, VALUES(from_user_id), latest_messages.from_user_id), " +
					"to_user_id = IF(VALUES(create_time_ms) > latest_messages.create_time_ms, VALUES(to_user_id), latest_messages.to_user_id), " +
					"content = IF(VALUES(create_time_ms) > latest_messages.create_time_ms, VALUES(content), latest_messages.content), " +
					"create_time_ms = GREATEST(latest_messages.create_time_ms, VALUES(create_time_ms))",
			},
		},
	}
}

// filler writes fillParts into the schemas prefix+service of the server dsn (no database).
type filler struct {
	dsn    string
	prefix string
	sizes  fillSizes
	out    io.Writer
}

// open connects to one service's schema, in READ COMMITTED so that INSERT ... SELECT takes no
// locks on the rows it reads.
func (f *filler) open(service string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(f.dsn)
	if err != nil {
		return nil, fmt.Errorf("-mysql %q: %w", f.dsn, err)
	}
	cfg.DBName = f.prefix + service
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["tx_isolation"] = "'READ-COMMITTED'"
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// state counts the batches of every part already in the schemas, and the batches in all.
func (f *filler) state(ctx context.Context, parts []fillPart) (done, total int, err error) {
	for _, p := range parts {
		db, err := f.open(p.service)
		if err != nil {
			return 0, 0, err
		}
		for _, b := range batches(p.rows, f.sizes.Batch) {
			ok, err := batchThere(ctx, db, p.table, b)
			if err != nil {
				db.Close()
				return 0, 0, err
			}
			total++
			if ok {
				done++
			}
		}
		db.Close()
	}
	return done, total, nil
}

// fill writes every batch not there yet and says how long each part took.
func (f *filler) fill(ctx context.Context, parts []fillPart) error {
	start := time.Now()
	for _, p := range parts {
		if err := f.fillPart(ctx, p); err != nil {
			return err
		}
	}
	fmt.Fprintf(f.out, "  fill done in %.1fs\n", time.Since(start).Seconds())
	return nil
}

func (f *filler) fillPart(ctx context.Context, p fillPart) error {
	db, err := f.open(p.service)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	written := 0
	for _, b := range batches(p.rows, f.sizes.Batch) {
		there, err := batchThere(ctx, db, p.table, b)
		if err != nil {
			return err
		}
		if there {
			continue
		}
		if err := writeBatch(ctx, db, p, b); err != nil {
			return fmt.Errorf("fill %s (%s%s.%s) rows %d..%d: %w", p.name, f.prefix, p.service, p.table, b.first, b.last, err)
		}
		written += b.last - b.first + 1
	}
	fmt.Fprintf(f.out, "  %-22s %10d rows in %s%s.%s, %d written now, %.1fs\n", p.name, p.rows, f.prefix, p.service, p.table,
		written, time.Since(start).Seconds())
	return nil
}

// batch is the row indexes first..last of one transaction.
type batch struct{ first, last int }

func batches(rows, size int) []batch {
	var out []batch
	for first := 0; first < rows; first += size {
		out = append(out, batch{first, min(first+size, rows) - 1})
	}
	return out
}

// batchThere tells whether a batch was written: its rows and counters commit together, so its
// last row stands for all of it.
func batchThere(ctx context.Context, db *sql.DB, table string, b batch) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE id = ?", fillBase+b.last).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look for the fill in %s: %w", table, err)
	}
	return n == 1, nil
}

// writeBatch inserts the batch's rows and moves its counters in one transaction.
func writeBatch(ctx context.Context, db *sql.DB, p fillPart, b batch) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(p.insert, fmt.Sprintf("seq_%d_to_%d", b.first, b.last))); err != nil {
		return err
	}
	for _, c := range p.counters {
		if _, err := tx.ExecContext(ctx, c, fillBase+b.first, fillBase+b.last); err != nil {
			return err
		}
	}
	return tx.Commit()
}
