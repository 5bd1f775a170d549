//go:build integration

package chaos

import (
	"slices"
	"testing"

	"simpletiktok/pkg/db/dbtest"
)

// The counter queries run against the real MySQL, in a throw-away schema, on tables shaped like
// the services' (only the columns the queries read).
func TestCounterQueriesFindEveryMismatch(t *testing.T) {
	gdb := dbtest.Open(t)
	unqualified := func(_, name string) string { return name }
	for _, stmt := range []string{
		"CREATE TABLE likes (user_id BIGINT, video_id BIGINT, author_id BIGINT)",
		"CREATE TABLE video_favorite_stats (video_id BIGINT PRIMARY KEY, favorite_count BIGINT)",
		"CREATE TABLE follows (follower_id BIGINT, followee_id BIGINT, active BOOL)",
		"CREATE TABLE user_stats (user_id BIGINT PRIMARY KEY, follow_count BIGINT, follower_count BIGINT)",
		// video 1: two likes, counted 2 (right). video 2: one like, no counter row (wrong).
		// video 3: counted 1, no like (wrong). video 4: counted 0, no like (right).
		"INSERT INTO likes VALUES (1, 1, 9), (2, 1, 9), (1, 2, 9)",
		"INSERT INTO video_favorite_stats VALUES (1, 2), (3, 1), (4, 0)",
		// user 1 follows 2 (active) and 3 (inactive): follow_count 1 is right; user 2 has
		// follower_count 0 although followed (wrong).
		"INSERT INTO follows VALUES (1, 2, TRUE), (1, 3, FALSE)",
		"INSERT INTO user_stats VALUES (1, 1, 0), (2, 0, 0)",
	} {
		if err := gdb.Exec(stmt).Error; err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	cases := []struct {
		c    counter
		want []int64
	}{
		{counter{"favorite", "video_favorite_stats", "video_id", "favorite_count", "likes", "video_id", ""}, []int64{2, 3}},
		{counter{"relation", "user_stats", "user_id", "follow_count", "follows", "follower_id", "active"}, nil},
		{counter{"relation", "user_stats", "user_id", "follower_count", "follows", "followee_id", "active"}, []int64{2}},
	}
	for _, c := range cases {
		t.Run(c.c.String(), func(t *testing.T) {
			var got []int64
			rows, err := gdb.Raw(c.c.mismatchQuery(unqualified)).Rows()
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var k, counter, n int64
				if err := rows.Scan(&k, &counter, &n); err != nil {
					t.Fatal(err)
				}
				got = append(got, k)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Fatalf("mismatching keys = %v, want %v", got, c.want)
			}
		})
	}
}

func TestLatestQueryFindsStalePairs(t *testing.T) {
	gdb := dbtest.Open(t)
	for _, stmt := range []string{
		"CREATE TABLE messages (id BIGINT PRIMARY KEY, user_lo BIGINT, user_hi BIGINT)",
		"CREATE TABLE latest_messages (user_lo BIGINT, user_hi BIGINT, message_id BIGINT, PRIMARY KEY (user_lo, user_hi))",
		// pair 1-2: newest 11, latest 11 (right); pair 1-3: newest 13, latest 12 (stale);
		// pair 2-3: a message and no latest row (missing).
		"INSERT INTO messages VALUES (10, 1, 2), (11, 1, 2), (12, 1, 3), (13, 1, 3), (14, 2, 3)",
		"INSERT INTO latest_messages VALUES (1, 2, 11), (1, 3, 12)",
	} {
		if err := gdb.Exec(stmt).Error; err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	var stale int
	if err := gdb.Raw(latestQuery(func(_, name string) string { return name })).Scan(&stale).Error; err != nil {
		t.Fatal(err)
	}
	if stale != 2 {
		t.Fatalf("stale pairs = %d, want 2 (1-3 stale, 2-3 missing)", stale)
	}
}
