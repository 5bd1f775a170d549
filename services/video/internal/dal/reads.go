package dal

import (
	"context"
	"fmt"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/db"
	"simpletiktok/services/video/internal/biz"
)

const (
	// feedHead is how many of the newest videos the cached feed head holds: the first page, and
	// pages a little older (a phone that asks with latest_time a few videos back).
	feedHead = 60
	// maxCachedWorks is the longest publish list kept in the cache; of a longer one its newest
	// maxCachedWorks are kept, which answer a publish list (biz.MaxList).
	maxCachedWorks = 5000
	// feedKey is the one key of the feed head.
	feedKey = "newest"
)

// families are the kinds of values this service caches. A publish changes the feed head, the
// author's list and work count (invalidate); a video's row changes once, when its cover is set,
// and is cached only after that.
type families struct {
	rows  *cache.Family[int64, biz.Video]    // "v": a video's row (immutable)
	works *cache.Family[int64, int64]        // "wc": an author's work count
	list  *cache.Family[int64, cache.IDList] // "pl": an author's videos, newest first
	feed  *cache.Family[string, []feedEntry] // "feed": the newest videos, newest first
}

// feedEntry is a video of the feed head: its id and publish time.
type feedEntry struct{ ID, PublishTimeMs int64 }

// feedCodec writes the head as id, time, id, time... (varints).
var feedCodec = cache.Codec[[]feedEntry]{
	Encode: func(es []feedEntry) []byte {
		b := make([]byte, 0, len(es)*10)
		for _, e := range es {
			b = cache.AppendInt64s(b, e.ID, e.PublishTimeMs)
		}
		return b
	},
	Decode: func(b []byte) ([]feedEntry, error) {
		vs, err := cache.ReadInt64s(b)
		if err != nil || len(vs)%2 != 0 {
			return nil, fmt.Errorf("feed head: not a cached head")
		}
		out := make([]feedEntry, 0, len(vs)/2)
		for i := 0; i < len(vs); i += 2 {
			out = append(out, feedEntry{ID: vs[i], PublishTimeMs: vs[i+1]})
		}
		return out, nil
	},
}

func newFamilies(c *cache.Cache) families {
	return families{
		// A row is final once its cover is set (the media worker sets it once, soon after the
		// publish); until then it is read from MySQL.
		rows:  cache.NewImmutable(c, "v", cache.Itoa, cache.JSON[biz.Video]()).Until(func(v biz.Video) bool { return v.CoverKey != "" }),
		works: cache.NewMutable(c, "wc", cache.Itoa, cache.Int64),
		list:  cache.NewMutable(c, "pl", cache.Itoa, cache.IDLists),
		feed:  cache.NewMutable(c, "feed", func(k string) string { return k }, feedCodec),
	}
}

func (r *Videos) invalidate(ctx context.Context, authorID int64) {
	r.cache.Invalidate(ctx, r.keys.feed.Key(feedKey), r.keys.list.Key(authorID), r.keys.works.Key(authorID))
}

// Feed answers each query with at most its Limit videos published strictly before its BeforeMs,
// newest first. A page that lies within the cached head of the feed is answered from it; an older
// one reads the index of publish times. The head is read once for all the queries, and so are the
// rows of all their videos (cached).
func (r *Videos) Feed(ctx context.Context, queries []biz.FeedQuery) ([][]*biz.Video, error) {
	got, err := r.keys.feed.Get(ctx, []string{feedKey}, func(ctx context.Context, _ []string) (map[string][]feedEntry, error) {
		head, err := r.readFeed(ctx, 1<<62, feedHead)
		return map[string][]feedEntry{feedKey: head}, err
	})
	if err != nil {
		return nil, err
	}
	head := got[feedKey]
	pageIDs := make([][]int64, len(queries))
	var all []int64
	pages := make(map[biz.FeedQuery][]feedEntry, len(queries)) // pages asked twice are read once
	for i, q := range queries {
		page, ok := pages[q]
		if !ok {
			if page, err = r.feedPage(ctx, head, q); err != nil {
				return nil, err
			}
			pages[q] = page
		}
		pageIDs[i] = make([]int64, len(page))
		for j, e := range page {
			pageIDs[i][j] = e.ID
		}
		all = append(all, pageIDs[i]...)
	}
	rows, err := r.keys.rows.Get(ctx, all, r.readRows)
	if err != nil {
		return nil, err
	}
	out := make([][]*biz.Video, len(queries))
	for i, ids := range pageIDs {
		out[i] = inOrder(rows, ids)
	}
	return out, nil
}

// feedPage is the ids and times of the page q asks, from head, the cached newest videos, when
// head holds the whole page or every video there is, else from MySQL.
func (r *Videos) feedPage(ctx context.Context, head []feedEntry, q biz.FeedQuery) ([]feedEntry, error) {
	var page []feedEntry
	for i, e := range head {
		if e.PublishTimeMs < q.BeforeMs {
			page = head[i:min(i+q.Limit, len(head))]
			break
		}
	}
	if len(page) < q.Limit && len(head) == feedHead {
		return r.readFeed(ctx, q.BeforeMs, q.Limit)
	}
	return page, nil
}

// readFeed reads the ids and times of at most limit videos published before beforeMs, newest
// first, from uk_videos_publish_time alone (the index holds the primary key: no row is read).
// Publish times are unique, so the time alone orders the feed totally; adding "id" to the order
// would make MySQL sort.
func (r *Videos) readFeed(ctx context.Context, beforeMs int64, limit int) ([]feedEntry, error) {
	var rows []feedEntry
	err := r.db.WithContext(ctx).Model(&videoRow{}).Select("id, publish_time_ms").
		Where("publish_time_ms < ?", beforeMs).Order("publish_time_ms DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	return rows, nil
}

// inOrder returns the videos of ids that exist, in the order of ids.
func (r *Videos) inOrder(ctx context.Context, ids []int64) ([]*biz.Video, error) {
	rows, err := r.keys.rows.Get(ctx, ids, r.readRows)
	if err != nil {
		return nil, err
	}
	return inOrder(rows, ids), nil
}

// inOrder returns the rows of ids that exist, in the order of ids, each a copy of its own.
func inOrder(rows map[int64]biz.Video, ids []int64) []*biz.Video {
	out := make([]*biz.Video, 0, len(ids))
	for _, id := range ids {
		if v, ok := rows[id]; ok {
			out = append(out, &v)
		}
	}
	return out
}

// ListByAuthors returns the newest limit videos of each of authorIDs, newest first, with one cache
// round trip for their lists and one for the videos of all of them.
func (r *Videos) ListByAuthors(ctx context.Context, authorIDs []int64, limit int) (map[int64][]*biz.Video, error) {
	ids, err := cache.Lists(ctx, r.keys.list, authorIDs, maxCachedWorks, limit, r.readListIDs)
	if err != nil {
		return nil, err
	}
	var all []int64
	for _, a := range authorIDs {
		all = append(all, ids[a]...)
	}
	rows, err := r.keys.rows.Get(ctx, all, r.readRows)
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]*biz.Video, len(authorIDs))
	for _, a := range authorIDs {
		out[a] = inOrder(rows, ids[a])
	}
	return out, nil
}

// worksLists are authors' videos, newest first, each read from idx_videos_author_time alone.
var worksLists = db.ListQuery{
	Branch: "SELECT author_id AS k, id AS v, publish_time_ms AS o1, id AS o2 FROM videos " +
		"WHERE author_id = ? ORDER BY publish_time_ms DESC, id DESC LIMIT ?",
	Order: "o1 DESC, o2 DESC",
}

// readListIDs reads the ids of at most limit (-1: all) of the videos of each of authorIDs,
// newest first, with one statement.
func (r *Videos) readListIDs(ctx context.Context, authorIDs []int64, limit int) (map[int64][]int64, error) {
	lists, err := db.Lists(ctx, r.db, worksLists, authorIDs, limit)
	if err != nil {
		return nil, fmt.Errorf("videos of authors: %w", err)
	}
	return lists, nil
}

// MGet returns the videos among ids that exist, in any order.
func (r *Videos) MGet(ctx context.Context, ids []int64) ([]*biz.Video, error) {
	return r.inOrder(ctx, ids)
}

func (r *Videos) readRows(ctx context.Context, ids []int64) (map[int64]biz.Video, error) {
	var rows []videoRow
	if err := r.db.WithContext(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("videos by id: %w", err)
	}
	out := make(map[int64]biz.Video, len(rows))
	for _, row := range rows {
		out[row.ID] = *row.toBiz()
	}
	return out, nil
}

// CountWorks returns the work counts of authorIDs (zero for an author without videos).
func (r *Videos) CountWorks(ctx context.Context, authorIDs []int64) (map[int64]int64, error) {
	return r.keys.works.Get(ctx, authorIDs, func(ctx context.Context, ids []int64) (map[int64]int64, error) {
		var rows []workCountRow
		if err := r.db.WithContext(ctx).Where("author_id IN ?", ids).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("work counts: %w", err)
		}
		out := make(map[int64]int64, len(rows))
		for _, row := range rows {
			out[row.AuthorID] = row.Works
		}
		return out, nil
	})
}
