package dal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"simpletiktok/pkg/db"
	"simpletiktok/services/favorite/internal/biz"
)

// Likes and unlikes commit in groups. A commit costs a flush of InnoDB's log to disk (about 1 ms
// here) and a few round trips whatever it carries, so the changes that arrive while a group
// commits wait for it and then commit together: the cost of a like falls as likes come faster.
// A change never joins a transaction already begun (pkg/coalesce), and it is answered only after
// its transaction has committed and the cached values it changed are gone. So each like is
// acknowledged exactly as if it had committed alone.
const (
	// GroupLanes is how many group transactions one instance runs at once: while one flushes its
	// log, the next gathers and runs its statements.
	GroupLanes = 1
	// GroupMax is the most changes one transaction carries.
	GroupMax = 64
)

// change is a like (like set: AuthorID and CreatedAt are the like's) or an unlike of VideoID by
// UserID.
type change struct {
	like bool
	biz.LikeRecord
}

// outcome is what one change did: whether it changed anything, or why it failed on its own.
type outcome struct {
	changed bool
	err     error
}

var errCounterMissing = errors.New("a counter row of an existing like is missing, or counts fewer likes than there are")

// commit makes cs in one transaction, in their order, as if each had committed alone one after
// the other, then invalidates what any of them may have changed. When the transaction fails for
// a reason of its data rather than of the connection or the time left, each change is made
// again alone, so that one change's failure is its own.
func (r *Favorites) commit(ctx context.Context, cs []change) ([]outcome, error) {
	out := make([]outcome, len(cs))
	authors := make([]int64, len(cs)) // each change's video author, once known: whose counts it moved
	err := db.InTx(ctx, r.db, func(tx *gorm.DB) error { return applyChanges(tx, cs, out, authors) })
	// Before the answers, the cached values the changes moved go; also after an error, whose
	// outcome may be unknown (a failed COMMIT).
	r.invalidate(ctx, cs, out, authors, err != nil)
	if err == nil {
		return out, nil
	}
	if len(cs) == 1 || !ownFailure(err) {
		return nil, err
	}
	for i := range cs {
		one, err := r.commit(ctx, cs[i:i+1])
		if err != nil {
			one = []outcome{{err: err}}
		}
		out[i] = one[0]
	}
	return out, nil
}

// ownFailure tells whether err may belong to one change of a group (a missing counter, a
// statement MySQL refused) rather than to every change (a lost connection, the time ran out).
func ownFailure(err error) bool {
	var me *mysql.MySQLError
	return errors.Is(err, errCounterMissing) || errors.As(err, &me)
}

// pair is a like's key: one like per user and video.
type pair struct{ user, video int64 }

// applyChanges runs cs inside tx. Locks are taken in one order by every group (like rows, video
// counters by ascending id, user counters by ascending id), so that groups only wait for one
// another; two groups that insert the same new like meet on the unique key, and the later runs
// again (db.Retry) and finds the like there.
func applyChanges(tx *gorm.DB, cs []change, out []outcome, authors []int64) error {
	clear(out)
	clear(authors)
	pairs := make([]pair, 0, len(cs))
	for _, c := range cs {
		pairs = append(pairs, pair{c.UserID, c.VideoID})
	}
	locked, err := lockLikes(tx, pairs)
	if err != nil {
		return err
	}
	// now is each pair's like row as the changes go, in order (nil: not liked).
	now := make(map[pair]*likeRow, len(cs))
	for i := range locked {
		now[pair{locked[i].UserID, locked[i].VideoID}] = &locked[i]
	}
	before := maps.Clone(now)
	counts := newCounterMoves()
	made := make([]*likeRow, len(cs)) // the row each like that changed something made
	for i, c := range cs {
		p, row := pairs[i], now[pairs[i]]
		switch {
		case c.like && row == nil:
			row = &likeRow{UserID: c.UserID, VideoID: c.VideoID, AuthorID: c.AuthorID, CreatedAt: c.CreatedAt}
			now[p], made[i] = row, row
			counts.move(row, +1)
		case !c.like && row != nil:
			now[p] = nil
			counts.move(row, -1)
		default:
			continue // liked already, or not liked: nothing changes
		}
		authors[i], out[i].changed = row.AuthorID, true
	}

	// The rows: those locked that are gone (or replaced by a newer like) are deleted, then the
	// likes that stay are inserted in the order they were made, so that ids still grow with time.
	var gone []int64
	for p, row := range before {
		if now[p] != row {
			gone = append(gone, row.ID)
		}
	}
	var added []*likeRow
	for i, row := range made {
		if row != nil && now[pairs[i]] == row {
			added = append(added, row)
		}
	}
	if len(gone) > 0 {
		slices.Sort(gone)
		res := tx.Exec("DELETE FROM likes WHERE id IN ?", gone)
		if res.Error != nil {
			return fmt.Errorf("delete likes: %w", res.Error)
		}
		if res.RowsAffected != int64(len(gone)) {
			return fmt.Errorf("delete likes: %d of %d locked rows deleted", res.RowsAffected, len(gone))
		}
	}
	if len(added) > 0 {
		if err := tx.Create(added).Error; err != nil {
			if db.IsDuplicateKey(err) {
				return db.Retry(fmt.Errorf("insert likes: another transaction inserted one first: %w", err))
			}
			return fmt.Errorf("insert likes: %w", err)
		}
	}
	return counts.apply(tx)
}

// lockLikes reads and locks the like rows of pairs (those that exist).
func lockLikes(tx *gorm.DB, pairs []pair) ([]likeRow, error) {
	pairs = slices.Clone(pairs)
	slices.SortFunc(pairs, func(a, b pair) int { return cmp.Or(cmp.Compare(a.user, b.user), cmp.Compare(a.video, b.video)) })
	pairs = slices.Compact(pairs)
	args := make([]any, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.user, p.video)
	}
	var rows []likeRow
	// The row locks make a concurrent group changing one of these likes wait here.
	err := tx.Raw("SELECT * FROM likes WHERE (user_id, video_id) IN ("+db.Tuples(len(pairs), 2)+") FOR UPDATE", args...).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("lock likes: %w", err)
	}
	return rows, nil
}

// counterMoves sums what a group's likes and unlikes move: each video's favorite_count, each
// user's favorite_count (likes given) and total_favorited (likes received).
type counterMoves struct {
	videos map[int64]int64
	users  map[int64][2]int64
}

func newCounterMoves() counterMoves {
	return counterMoves{videos: map[int64]int64{}, users: map[int64][2]int64{}}
}

// move counts one like made (delta +1) or undone (-1).
func (m counterMoves) move(like *likeRow, delta int64) {
	m.videos[like.VideoID] += delta
	u := m.users[like.UserID]
	u[0] += delta
	m.users[like.UserID] = u
	a := m.users[like.AuthorID] // liking one's own video moves both counters of one row
	a[1] += delta
	m.users[like.AuthorID] = a
}

// apply moves the counters with one statement per table, creating the rows a like needs. An
// unlike finds its rows there: a counter that would go missing or below zero fails the
// transaction rather than guess.
func (m counterMoves) apply(tx *gorm.DB) error {
	var videoArgs, userArgs []any
	var lowered []int64 // videos whose count fell
	var loweredUsers []int64
	for _, id := range slices.Sorted(maps.Keys(m.videos)) {
		if d := m.videos[id]; d != 0 {
			videoArgs = append(videoArgs, id, d)
			if d < 0 {
				lowered = append(lowered, id)
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(m.users)) {
		if d := m.users[id]; d != [2]int64{} {
			userArgs = append(userArgs, id, d[0], d[1])
			if d[0] < 0 || d[1] < 0 {
				loweredUsers = append(loweredUsers, id)
			}
		}
	}
	if len(videoArgs) > 0 {
		err := tx.Exec("INSERT INTO video_favorite_stats (video_id, favorite_count) VALUES "+db.Tuples(len(videoArgs)/2, 2)+
			" ON DUPLICATE KEY UPDATE favorite_count = favorite_count + VALUES(favorite_count)", videoArgs...).Error
		if err != nil {
			return fmt.Errorf("move video favorite_count: %w", err)
		}
	}
	if len(userArgs) > 0 {
		err := tx.Exec("INSERT INTO user_favorite_stats (user_id, favorite_count, total_favorited) VALUES "+db.Tuples(len(userArgs)/3, 3)+
			" ON DUPLICATE KEY UPDATE favorite_count = favorite_count + VALUES(favorite_count), "+
			"total_favorited = total_favorited + VALUES(total_favorited)", userArgs...).Error
		if err != nil {
			return fmt.Errorf("move user favorite counters: %w", err)
		}
	}
	if len(lowered) == 0 && len(loweredUsers) == 0 {
		return nil
	}
	// A counter an unlike lowered was created just now (missing before) exactly when it is
	// below zero.
	var broken int64
	err := tx.Raw("SELECT (SELECT COUNT(*) FROM video_favorite_stats WHERE video_id IN ? AND favorite_count < 0) + "+
		"(SELECT COUNT(*) FROM user_favorite_stats WHERE user_id IN ? AND (favorite_count < 0 OR total_favorited < 0))",
		append(lowered, 0), append(loweredUsers, 0)).Scan(&broken).Error
	if err != nil {
		return fmt.Errorf("check lowered counters: %w", err)
	}
	if broken > 0 {
		return errCounterMissing
	}
	return nil
}
