//go:build integration

package dal

import (
	"context"
	"errors"
	"testing"
	"time"

	"simpletiktok/services/favorite/internal/biz"
)

func likeAt(user, video, author int64, at time.Time) change {
	return change{like: true, LikeRecord: biz.LikeRecord{UserID: user, VideoID: video, AuthorID: author, CreatedAt: at}}
}

func unlike(user, video int64) change {
	return change{LikeRecord: biz.LikeRecord{UserID: user, VideoID: video}}
}

// commitAll commits cs as one group and returns each change's changed flag, failing t on any
// error.
func commitAll(t *testing.T, repo *Favorites, cs ...change) []bool {
	t.Helper()
	outs, err := repo.commit(context.Background(), cs)
	if err != nil {
		t.Fatalf("group: %v", err)
	}
	flags := make([]bool, len(outs))
	for i, o := range outs {
		if o.err != nil {
			t.Fatalf("change %d: %v", i, o.err)
		}
		flags[i] = o.changed
	}
	return flags
}

// A group with several changes of one like ends as the same changes made one after the other:
// each is answered as alone, the counters move by the net change, and a like made again after an
// unlike in the same group is a new row, newest first.
func TestAGroupEndsAsItsChangesMadeInOrder(t *testing.T) {
	repo, gdb := newRepo(t)
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	if got := commitAll(t, repo, likeAt(1, 10, 7, t0), likeAt(1, 11, 7, t0)); got[0] != true || got[1] != true {
		t.Fatalf("first group changed %v; want both", got)
	}
	var before likeRow
	if err := gdb.Where("user_id = 1 AND video_id = 10").Take(&before).Error; err != nil {
		t.Fatal(err)
	}

	t1 := t0.Add(time.Second)
	group := []change{
		likeAt(1, 10, 7, t1), // liked already: nothing
		unlike(1, 10),        // gone
		likeAt(1, 10, 7, t1), // liked again: a new row
		unlike(2, 10),        // never liked: nothing
		likeAt(2, 12, 2, t1), // liking one's own video
		unlike(2, 12),        // and undoing it in the same group
		unlike(1, 11),        // gone for good
		likeAt(3, 11, 7, t1),
		likeAt(3, 11, 7, t1), // twice in one group: once
	}
	want := []bool{false, true, true, false, true, true, true, true, false}
	got := commitAll(t, repo, group...)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("change %d (%+v) changed = %v; want %v (all: %v)", i, group[i], got[i], want[i], got)
		}
	}
	assertCountersMatchRows(t, gdb)

	var rows []likeRow
	if err := gdb.Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d like rows left; want 2 (user 1 of video 10, user 3 of video 11): %+v", len(rows), rows)
	}
	again := rows[0]
	if again.UserID != 1 || again.VideoID != 10 || again.ID <= before.ID || !again.CreatedAt.Equal(t1) {
		t.Fatalf("the like made again is %+v; want a new row (id above %d) made at %v", again, before.ID, t1)
	}
	if rows[1].UserID != 3 || rows[1].ID <= again.ID {
		t.Fatalf("the rows are not in the order their likes were made: %+v", rows)
	}
	stats, err := userStats(ctx, repo, []int64{1, 2, 3, 7})
	if err != nil {
		t.Fatal(err)
	}
	wantStats := map[int64]biz.UserStat{1: {FavoriteCount: 1}, 2: {}, 3: {FavoriteCount: 1}, 7: {TotalFavorited: 2}}
	for id, w := range wantStats {
		if stats[id] != w {
			t.Fatalf("user %d: %+v; want %+v", id, stats[id], w)
		}
	}
}

// A change that fails on its own fails alone: the group is made again change by change, and the
// others commit.
func TestOneFailingChangeFailsAlone(t *testing.T) {
	repo, gdb := newRepo(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	commitAll(t, repo, likeAt(1, 10, 7, now), likeAt(2, 20, 8, now))
	// Damage one like's counter: its unlike cannot lower a counter that is not there.
	if err := gdb.Exec("DELETE FROM video_favorite_stats WHERE video_id = 10").Error; err != nil {
		t.Fatal(err)
	}

	outs, err := repo.commit(ctx, []change{unlike(1, 10), unlike(2, 20), likeAt(3, 30, 9, now)})
	if err != nil {
		t.Fatalf("group: %v", err)
	}
	if !errors.Is(outs[0].err, errCounterMissing) {
		t.Fatalf("the unlike of the damaged like = %+v; want errCounterMissing", outs[0])
	}
	if outs[1] != (outcome{changed: true}) || outs[2] != (outcome{changed: true}) {
		t.Fatalf("the other changes = %+v, %+v; want both made", outs[1], outs[2])
	}
	var left []likeRow
	if err := gdb.Order("video_id").Find(&left).Error; err != nil {
		t.Fatal(err)
	}
	if len(left) != 2 || left[0].VideoID != 10 || left[1].VideoID != 30 {
		t.Fatalf("rows left: %+v; want the damaged like (kept) and the new one", left)
	}
}
