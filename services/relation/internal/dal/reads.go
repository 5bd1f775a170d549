package dal

import (
	"context"
	"fmt"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/db"
	"simpletiktok/services/relation/internal/biz"
)

// maxCachedList is the longest follow, follower or friend list kept in the cache: the longest
// list the service shows (biz.MaxList). A miss reads one more, to know whether a list is whole; of a
// longer one the head is kept, which answers the list pages, while is_follow of a viewer who
// follows more is read from MySQL.
const maxCachedList = biz.MaxList

// families are the kinds of values this service caches. A follow or unfollow of B by A changes
// A's and B's counters, A's follows, B's followers and both friend lists (invalidate).
type families struct {
	stats     *cache.Family[int64, biz.Stats]    // "st": a user's counters
	following *cache.Family[int64, cache.IDList] // "fo": whom a user follows, newest first
	followers *cache.Family[int64, cache.IDList] // "fe": who follows a user, newest first
	friends   *cache.Family[int64, cache.IDList] // "fr": a user's friends, newest friendship first
}

func newFamilies(c *cache.Cache) families {
	return families{
		stats: cache.NewMutable(c, "st", cache.Itoa, cache.Fixed(2,
			func(s biz.Stats) []int64 { return []int64{s.FollowCount, s.FollowerCount} },
			func(n []int64) biz.Stats { return biz.Stats{FollowCount: n[0], FollowerCount: n[1]} })),
		following: cache.NewMutable(c, "fo", cache.Itoa, cache.IDLists),
		followers: cache.NewMutable(c, "fe", cache.Itoa, cache.IDLists),
		friends:   cache.NewMutable(c, "fr", cache.Itoa, cache.IDLists),
	}
}

func (r *Relations) invalidate(ctx context.Context, follower, followee int64) {
	k := r.keys
	r.cache.Invalidate(ctx, k.stats.Key(follower), k.stats.Key(followee), k.following.Key(follower),
		k.followers.Key(followee), k.friends.Key(follower), k.friends.Key(followee))
}

// ListFollowing returns whom each of userIDs follows, newest first, at most limit each, with
// one cache round trip for all of them.
func (r *Relations) ListFollowing(ctx context.Context, userIDs []int64, limit int) (map[int64][]int64, error) {
	return cache.Lists(ctx, r.keys.following, userIDs, maxCachedList, limit, r.readFollowing)
}

// ListFollowers returns who follows each of userIDs, as ListFollowing.
func (r *Relations) ListFollowers(ctx context.Context, userIDs []int64, limit int) (map[int64][]int64, error) {
	return cache.Lists(ctx, r.keys.followers, userIDs, maxCachedList, limit, r.readFollowers)
}

// ListFriends returns the friends of each of userIDs, as ListFollowing.
func (r *Relations) ListFriends(ctx context.Context, userIDs []int64, limit int) (map[int64][]int64, error) {
	return cache.Lists(ctx, r.keys.friends, userIDs, maxCachedList, limit, r.readFriends)
}

// StatsFor returns the counters of every id the queries ask and, for each query, which of its ids
// its viewer follows (viewer 0: nobody), reading the counters and the viewers' follow lists with
// one cache round trip.
func (r *Relations) StatsFor(ctx context.Context, queries []biz.StatsQuery) (map[int64]biz.Stats, []map[int64]bool, error) {
	var ids, viewers []int64
	for _, q := range queries {
		ids = append(ids, q.IDs...)
		if q.Viewer > 0 {
			viewers = append(viewers, q.Viewer)
		}
	}
	b := r.cache.NewBatch()
	stats := r.keys.stats.GetIn(b, ids, r.readStats)
	lists := r.keys.following.GetIn(b, viewers, cache.ListLoader(maxCachedList, r.readFollowing))
	b.Run(ctx)
	s, err := stats.Result()
	if err != nil {
		return nil, nil, err
	}
	l, err := lists.Result()
	if err != nil {
		return nil, nil, err
	}
	following := make([]map[int64]bool, len(queries))
	for i, q := range queries {
		following[i] = map[int64]bool{}
		if q.Viewer > 0 {
			if following[i], err = r.followingAmong(ctx, q.Viewer, l[q.Viewer], q.IDs); err != nil {
				return nil, nil, err
			}
		}
	}
	return s, following, nil
}

// followingAmong says which of ids viewer follows, from l, viewer's cached follow list, or from
// MySQL when l is too long to be whole.
func (r *Relations) followingAmong(ctx context.Context, viewer int64, l cache.IDList, ids []int64) (map[int64]bool, error) {
	if l.Whole {
		return l.Contains(ids), nil
	}
	return r.readIsFollowing(ctx, viewer, ids)
}

// followingLists are whom users follow, followersLists who follows them, each newest first and
// read from its index on (user, active, created_at): "active = 1", not "active", which MySQL
// reads as a range (active <> 0) and then sorts the user's every follow, active or not, however
// long the list; friendLists join a user's follows with the
// follows back, and a friendship dates from the later of the two.
var (
	followingLists = db.ListQuery{
		Branch: "SELECT follower_id AS k, followee_id AS v, created_at AS o1, id AS o2 FROM follows " +
			"WHERE follower_id = ? AND active = 1 ORDER BY created_at DESC, id DESC LIMIT ?",
		Order: "o1 DESC, o2 DESC",
	}
	followersLists = db.ListQuery{
		Branch: "SELECT followee_id AS k, follower_id AS v, created_at AS o1, id AS o2 FROM follows " +
			"WHERE followee_id = ? AND active = 1 ORDER BY created_at DESC, id DESC LIMIT ?",
		Order: "o1 DESC, o2 DESC",
	}
	friendLists = db.ListQuery{
		Branch: "SELECT f.follower_id AS k, f.followee_id AS v, GREATEST(f.created_at, b.created_at) AS o1, f.id AS o2 " +
			"FROM follows AS f JOIN follows AS b ON b.follower_id = f.followee_id AND b.followee_id = f.follower_id AND b.active = 1 " +
			"WHERE f.follower_id = ? AND f.active = 1 ORDER BY o1 DESC, o2 DESC LIMIT ?",
		Order: "o1 DESC, o2 DESC",
	}
)

func (r *Relations) readFollowing(ctx context.Context, userIDs []int64, limit int) (map[int64][]int64, error) {
	return r.readLists(ctx, "following", followingLists, userIDs, limit)
}

func (r *Relations) readFollowers(ctx context.Context, userIDs []int64, limit int) (map[int64][]int64, error) {
	return r.readLists(ctx, "followers", followersLists, userIDs, limit)
}

func (r *Relations) readFriends(ctx context.Context, userIDs []int64, limit int) (map[int64][]int64, error) {
	return r.readLists(ctx, "friends", friendLists, userIDs, limit)
}

// readLists reads at most limit (-1: all) entries of the lists of userIDs from MySQL with one
// statement.
func (r *Relations) readLists(ctx context.Context, what string, q db.ListQuery, userIDs []int64, limit int) (map[int64][]int64, error) {
	lists, err := db.Lists(ctx, r.db, q, userIDs, limit)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	return lists, nil
}

func (r *Relations) readStats(ctx context.Context, ids []int64) (map[int64]biz.Stats, error) {
	var rows []statsRow
	if err := r.db.WithContext(ctx).Where("user_id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read user stats: %w", err)
	}
	out := make(map[int64]biz.Stats, len(rows))
	for _, row := range rows {
		out[row.UserID] = biz.Stats{FollowCount: row.FollowCount, FollowerCount: row.FollowerCount}
	}
	return out, nil
}

func (r *Relations) readIsFollowing(ctx context.Context, viewer int64, ids []int64) (map[int64]bool, error) {
	var followed []int64
	err := r.db.WithContext(ctx).Model(&followRow{}).Where("follower_id = ? AND active = ? AND followee_id IN ?", viewer, true, ids).
		Pluck("followee_id", &followed).Error
	if err != nil {
		return nil, fmt.Errorf("read follows of %d: %w", viewer, err)
	}
	out := make(map[int64]bool, len(followed))
	for _, id := range followed {
		out[id] = true
	}
	return out, nil
}
