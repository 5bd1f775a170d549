// Package biz holds the relation service's rules: who may follow whom, what a repeated follow or
// unfollow does, and how large a list or a batch may be.
package biz

import (
	"cmp"
	"context"
	"time"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/validate"
)

// Action is what the caller does to a relation; its values are those of the contract's
// action_type.
type Action int32

const (
	Follow   Action = 1
	Unfollow Action = 2
)

// String names the action as the logs do: "follow" or "unfollow".
func (a Action) String() string {
	if a == Follow {
		return "follow"
	}
	return "unfollow"
}

// Validate refuses anything but Follow and Unfollow with errno.RelationInvalidAction.
func (a Action) Validate() error {
	if a != Follow && a != Unfollow {
		return errno.RelationInvalidAction
	}
	return nil
}

const (
	// MaxList is how many users a follow, follower or friend list shows (the newest). The contract
	// has no paging, so a list is whole up to this safety bound; the gateway assembles a list
	// longer than one batch (idbatch.Max) in several.
	MaxList = 5000
)

// Stats are a user's counters.
type Stats struct {
	FollowCount   int64
	FollowerCount int64
}

// Repo is the storage the rules need. Follow and Unfollow report whether the relation really
// changed; they change the two users' counters in the same transaction, and only then. A follow
// made (or made again) is dated at. Lists are newest first and at most limit long; the list
// methods read the lists of several users at once.
type Repo interface {
	Follow(ctx context.Context, follower, followee int64, at time.Time) (changed bool, err error)
	Unfollow(ctx context.Context, follower, followee int64) (changed bool, err error)
	ListFollowing(ctx context.Context, userIDs []int64, limit int) (map[int64][]int64, error)
	ListFollowers(ctx context.Context, userIDs []int64, limit int) (map[int64][]int64, error)
	ListFriends(ctx context.Context, userIDs []int64, limit int) (map[int64][]int64, error)
	// StatsFor returns the counters of every id the queries ask (an id left out has none) and,
	// for each query, the ids among its IDs that its viewer follows (viewer 0: none), reading
	// what all of them ask at once.
	StatsFor(ctx context.Context, queries []StatsQuery) (map[int64]Stats, []map[int64]bool, error)
}

// StatsQuery is what one page asks of the relation service: the counters of IDs and which of them
// Viewer (0: anonymous) follows.
type StatsQuery struct {
	Viewer int64
	IDs    []int64
}

// Users answers whether a user exists; the user service owns that fact.
type Users interface {
	Exists(ctx context.Context, id int64) (bool, error)
}

// Relations implements the follow rules.
type Relations struct {
	repo  Repo
	users Users
	now   func() time.Time
}

// NewRelations returns the rules over their storage and the user directory, reading the time from
// now (time.Now in production).
func NewRelations(repo Repo, users Users, now func() time.Time) *Relations {
	return &Relations{repo: repo, users: users, now: now}
}

// Act follows or unfollows followee on behalf of follower, and reports whether the relation
// changed. Repeating an action succeeds and changes nothing. Both actions need an existing user other than the caller, so that a mistaken
// id is reported rather than silently accepted.
func (r *Relations) Act(ctx context.Context, follower, followee int64, action Action) (changed bool, err error) {
	if err := action.Validate(); err != nil {
		return false, err
	}
	if err := cmp.Or(validate.ID("user_id", follower), validate.ID("to_user_id", followee)); err != nil {
		return false, err
	}
	if follower == followee {
		return false, errno.RelationFollowSelf
	}
	exists, err := r.users.Exists(ctx, followee)
	if err != nil {
		return false, err
	}
	if !exists {
		return false, errno.UserNotFound
	}
	if action == Follow {
		return r.repo.Follow(ctx, follower, followee, r.now().UTC().Truncate(time.Millisecond))
	}
	return r.repo.Unfollow(ctx, follower, followee)
}

// ListQuery asks for one user's list, with the stats of the users listed as Viewer (0: anonymous)
// sees them.
type ListQuery struct {
	UserID, Viewer int64
}

// ListAnswer is a list, newest first, with the stats of every user listed.
type ListAnswer struct {
	IDs   []int64
	Stats map[int64]ViewedStats
}

// Following answers several pages' lists of whom a user follows.
func (r *Relations) Following(ctx context.Context, queries []ListQuery) ([]ListAnswer, error) {
	return r.lists(ctx, r.repo.ListFollowing, queries)
}

// Followers answers several pages' lists of who follows a user.
func (r *Relations) Followers(ctx context.Context, queries []ListQuery) ([]ListAnswer, error) {
	return r.lists(ctx, r.repo.ListFollowers, queries)
}

// Friends answers several pages' lists of the users a user follows who follow back, the newest
// friendship first.
func (r *Relations) Friends(ctx context.Context, queries []ListQuery) ([]ListAnswer, error) {
	return r.lists(ctx, r.repo.ListFriends, queries)
}

// lists answers a batch of lists of one kind (at most idbatch.MaxQueries): every query's list,
// read together by read (at most MaxList long each), then the stats of every list, read together.
// An invalid user id fails the whole batch.
func (r *Relations) lists(ctx context.Context, read func(context.Context, []int64, int) (map[int64][]int64, error), queries []ListQuery) ([]ListAnswer, error) {
	users, distinct, err := idbatch.Queries(queries, "user_id", func(q ListQuery) int64 { return q.UserID })
	if err != nil {
		return nil, err
	}
	byUser, err := read(ctx, distinct, MaxList)
	if err != nil {
		return nil, err
	}
	answers := make([]ListAnswer, len(queries))
	asked := make([]StatsQuery, len(queries))
	for i, q := range queries {
		answers[i].IDs = byUser[users[i]]
		asked[i] = StatsQuery{Viewer: max(q.Viewer, 0), IDs: answers[i].IDs}
	}
	viewed, err := r.viewed(ctx, asked)
	if err != nil {
		return nil, err
	}
	for i := range answers {
		answers[i].Stats = viewed[i]
	}
	return answers, nil
}

// ViewedStats is a user's counters and whether the viewer asking follows them.
type ViewedStats struct {
	Stats
	IsFollow bool
}

// Stats is what pages show of users, for several pages at once (at most idbatch.MaxQueries), read
// together: the i-th map answers queries[i] with the counters of every id it asks (zero for a user
// nobody has followed) and whether its viewer (0: anonymous, who follows nobody) follows each. An
// invalid query fails the whole batch.
func (r *Relations) Stats(ctx context.Context, queries []StatsQuery) ([]map[int64]ViewedStats, error) {
	if err := idbatch.CheckQueries(len(queries)); err != nil {
		return nil, err
	}
	checked := make([]StatsQuery, len(queries))
	for i, q := range queries {
		ids, err := idbatch.Check(q.IDs, "user")
		if err != nil {
			return nil, err
		}
		checked[i] = StatsQuery{Viewer: max(q.Viewer, 0), IDs: ids}
	}
	return r.viewed(ctx, checked)
}

// viewed is Stats of checked queries, of any length (a list's stats are read whole).
func (r *Relations) viewed(ctx context.Context, checked []StatsQuery) ([]map[int64]ViewedStats, error) {
	asked := 0
	for _, q := range checked {
		asked += len(q.IDs)
	}
	out := make([]map[int64]ViewedStats, len(checked))
	if asked == 0 {
		for i := range out {
			out[i] = map[int64]ViewedStats{}
		}
		return out, nil
	}
	stats, following, err := r.repo.StatsFor(ctx, checked)
	if err != nil {
		return nil, err
	}
	for i, q := range checked {
		out[i] = make(map[int64]ViewedStats, len(q.IDs))
		for _, id := range q.IDs {
			out[i][id] = ViewedStats{Stats: stats[id], IsFollow: following[i][id]}
		}
	}
	return out, nil
}
