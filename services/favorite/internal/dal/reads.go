package dal

import (
	"context"
	"fmt"
	"slices"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/db"
	"simpletiktok/services/favorite/internal/biz"
)

// maxCachedLikes is the longest list of a user's likes kept in the cache (some 20 KB). Of a longer
// one the newest maxCachedLikes are kept, which answer a favorite list (biz.MaxList); is_favorite
// of such a user is read from MySQL.
const maxCachedLikes = 5000

// families are the kinds of values this service caches; each write invalidates the keys of
// every family it changes (invalidate).
type families struct {
	videoCount *cache.Family[int64, int64]        // "vc": a video's like count
	userStat   *cache.Family[int64, biz.UserStat] // "us": a user's likes given and received
	liked      *cache.Family[int64, cache.IDList] // "lk": a user's liked videos
	author     *cache.Family[int64, int64]        // "va": a liked video's author (never changes)
}

func newFamilies(c *cache.Cache) families {
	return families{
		videoCount: cache.NewMutable(c, "vc", cache.Itoa, cache.Int64),
		userStat: cache.NewMutable(c, "us", cache.Itoa, cache.Fixed(2,
			func(s biz.UserStat) []int64 { return []int64{s.FavoriteCount, s.TotalFavorited} },
			func(n []int64) biz.UserStat { return biz.UserStat{FavoriteCount: n[0], TotalFavorited: n[1]} })),
		liked:  cache.NewMutable(c, "lk", cache.Itoa, cache.IDLists),
		author: cache.NewImmutable(c, "va", cache.Itoa, cache.Int64),
	}
}

// invalidate removes what the changes of a group may have changed (all of them when the group
// failed, as its outcome may be unknown): each video's count, each liker's list and counts, each
// author's counts (author 0: not known, so nothing of theirs changed).
func (r *Favorites) invalidate(ctx context.Context, cs []change, out []outcome, authors []int64, failed bool) {
	var keys []string
	for i, c := range cs {
		if !out[i].changed && !failed {
			continue
		}
		keys = append(keys, r.keys.videoCount.Key(c.VideoID), r.keys.userStat.Key(c.UserID), r.keys.liked.Key(c.UserID))
		if authors[i] > 0 && authors[i] != c.UserID {
			keys = append(keys, r.keys.userStat.Key(authors[i]))
		}
	}
	slices.Sort(keys)
	r.cache.Invalidate(ctx, slices.Compact(keys)...)
}

// LikedVideosOf returns the videos each of userIDs likes, newest like first (ids grow with time,
// and a like given again after an unlike is a new row), at most limit each, with one cache round
// trip for all their lists.
func (r *Favorites) LikedVideosOf(ctx context.Context, userIDs []int64, limit int) (map[int64][]int64, error) {
	return cache.Lists(ctx, r.keys.liked, userIDs, maxCachedLikes, limit, r.readLiked)
}

// likedLists are users' liked videos, newest like first, each read from idx_likes_user_newest
// alone, backwards. The index is named: uk_likes_user_video covers the query as well, and MySQL,
// seeing a user with few likes, may take it and sort every like of the user.
var likedLists = db.ListQuery{
	Branch: "SELECT user_id AS k, video_id AS v, id AS o FROM likes FORCE INDEX (idx_likes_user_newest) " +
		"WHERE user_id = ? ORDER BY id DESC LIMIT ?",
	Order: "o DESC",
}

// readLiked reads at most limit (-1: all) of the liked videos of each of userIDs from MySQL,
// newest first, with one statement.
func (r *Favorites) readLiked(ctx context.Context, userIDs []int64, limit int) (map[int64][]int64, error) {
	lists, err := db.Lists(ctx, r.db, likedLists, userIDs, limit)
	if err != nil {
		return nil, fmt.Errorf("list liked videos: %w", err)
	}
	return lists, nil
}

// AuthorsOf returns the author of each of videoIDs that someone likes, from the like rows, which
// keep it; a video nobody likes is left out. An author never changes, so an answer is kept (in
// this process and in Redis) for good, even once nobody likes the video any more.
func (r *Favorites) AuthorsOf(ctx context.Context, videoIDs []int64) (map[int64]int64, error) {
	return r.keys.author.Get(ctx, videoIDs, r.readAuthors)
}

// readAuthors reads the authors of videoIDs from the oldest like of each: MIN(id) per video comes
// from idx_likes_video alone, then one primary-key lookup each, however many likes a video has.
func (r *Favorites) readAuthors(ctx context.Context, videoIDs []int64) (map[int64]int64, error) {
	var rows []struct{ VideoID, AuthorID int64 }
	err := r.db.WithContext(ctx).Raw("SELECT l.video_id, l.author_id FROM likes AS l JOIN "+
		"(SELECT MIN(id) AS id FROM likes WHERE video_id IN ? GROUP BY video_id) AS oldest ON l.id = oldest.id",
		videoIDs).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read the authors of liked videos: %w", err)
	}
	out := make(map[int64]int64, len(rows))
	for _, row := range rows {
		out[row.VideoID] = row.AuthorID
	}
	return out, nil
}

// Stats answers each query with the like counts of its videos, which of them its viewer likes
// (viewer 0: none), and the counters of its users. The three families are read for all the
// queries at once, with one cache round trip. Each part is read as it stands when it is read
// (cached or not): a like acknowledged before the call began is in all of them.
func (r *Favorites) Stats(ctx context.Context, queries []biz.StatsQuery) ([]biz.StatsAnswer, error) {
	var videoIDs, userIDs, viewers []int64
	for _, q := range queries {
		videoIDs = append(videoIDs, q.VideoIDs...)
		userIDs = append(userIDs, q.UserIDs...)
		if q.Viewer > 0 && len(q.VideoIDs) > 0 {
			viewers = append(viewers, q.Viewer)
		}
	}
	b := r.cache.NewBatch()
	counts := r.keys.videoCount.GetIn(b, videoIDs, r.readVideoCounts)
	likes := r.keys.liked.GetIn(b, viewers, cache.ListLoader(maxCachedLikes, r.readLiked))
	users := r.keys.userStat.GetIn(b, userIDs, r.readUserStats)
	b.Run(ctx)
	c, err := counts.Result()
	if err != nil {
		return nil, err
	}
	l, err := likes.Result()
	if err != nil {
		return nil, err
	}
	u, err := users.Result()
	if err != nil {
		return nil, err
	}
	answers := make([]biz.StatsAnswer, len(queries))
	for i, q := range queries {
		var liked map[int64]bool
		if q.Viewer > 0 && len(q.VideoIDs) > 0 {
			if liked, err = r.likedAmong(ctx, q.Viewer, l[q.Viewer], q.VideoIDs); err != nil {
				return nil, err
			}
		}
		a := biz.StatsAnswer{Videos: make(map[int64]biz.VideoStat, len(q.VideoIDs)), Users: make(map[int64]biz.UserStat, len(q.UserIDs))}
		for _, id := range q.VideoIDs {
			a.Videos[id] = biz.VideoStat{FavoriteCount: c[id], IsFavorite: liked[id]}
		}
		for _, id := range q.UserIDs {
			a.Users[id] = u[id]
		}
		answers[i] = a
	}
	return answers, nil
}

// likedAmong says which of videoIDs viewer likes, from l, viewer's cached likes, or from MySQL
// when l is too long to be whole.
func (r *Favorites) likedAmong(ctx context.Context, viewer int64, l cache.IDList, videoIDs []int64) (map[int64]bool, error) {
	if !l.Whole {
		return r.readViewerLikes(ctx, viewer, videoIDs)
	}
	return l.Contains(videoIDs), nil
}

func (r *Favorites) readVideoCounts(ctx context.Context, videoIDs []int64) (map[int64]int64, error) {
	var rows []videoStatRow
	if err := r.db.WithContext(ctx).Where("video_id IN ?", videoIDs).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read video favorite counts: %w", err)
	}
	out := make(map[int64]int64, len(rows))
	for _, row := range rows {
		out[row.VideoID] = row.FavoriteCount
	}
	return out, nil
}

func (r *Favorites) readViewerLikes(ctx context.Context, viewer int64, videoIDs []int64) (map[int64]bool, error) {
	var ids []int64
	if err := r.db.WithContext(ctx).Model(&likeRow{}).Where("user_id = ? AND video_id IN ?", viewer, videoIDs).
		Pluck("video_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("read likes of the viewer: %w", err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

func (r *Favorites) readUserStats(ctx context.Context, ids []int64) (map[int64]biz.UserStat, error) {
	var rows []userStatRow
	if err := r.db.WithContext(ctx).Where("user_id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read user favorite counts: %w", err)
	}
	out := make(map[int64]biz.UserStat, len(rows))
	for _, row := range rows {
		out[row.UserID] = biz.UserStat{FavoriteCount: row.FavoriteCount, TotalFavorited: row.TotalFavorited}
	}
	return out, nil
}
