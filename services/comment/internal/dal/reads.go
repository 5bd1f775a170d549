package dal

import (
	"context"
	"fmt"

	"simpletiktok/pkg/cache"
	"simpletiktok/services/comment/internal/biz"
)

// maxCachedComments is the longest comment list of a video kept in the cache: what a comment list
// shows (biz.MaxList; some 100 KB of usual comments, 2 MB at the longest). Of a longer list the
// newest maxCachedComments are kept, which answer its page.
const maxCachedComments = biz.MaxList

// commentList is a video's cached comments, newest first; Whole is false for a list longer than
// maxCachedComments, of which Comments is the head. It is cached in listCodec's layout; the JSON names are those earlier releases cached it
// with, kept for the test that the codec refuses that layout.
type commentList struct {
	Whole    bool           `json:"w"`
	Comments []*biz.Comment `json:"c,omitempty"`
}

// families are the kinds of values this service caches; a post or a delete changes the count and
// the list of its video (invalidate).
type families struct {
	count *cache.Family[int64, int64]       // "cc": a video's comment count
	list  *cache.Family[int64, commentList] // "cl": a video's comments
}

func newFamilies(c *cache.Cache) families {
	return families{
		count: cache.NewMutable(c, "cc", cache.Itoa, cache.Int64),
		list:  cache.NewMutable(c, "cl", cache.Itoa, listCodec),
	}
}

func (r *Comments) invalidate(ctx context.Context, videoID int64) {
	r.cache.Invalidate(ctx, r.keys.count.Key(videoID), r.keys.list.Key(videoID))
}

// ListByVideos returns the newest limit comments not deleted of each of videoIDs, newest first,
// with one cache round trip for all their lists.
func (r *Comments) ListByVideos(ctx context.Context, videoIDs []int64, limit int) (map[int64][]*biz.Comment, error) {
	got, err := r.keys.list.Get(ctx, videoIDs, func(ctx context.Context, ids []int64) (map[int64]commentList, error) {
		lists := make(map[int64]commentList, len(ids))
		for _, id := range ids {
			list, err := r.readList(ctx, id, maxCachedComments+1)
			if err != nil {
				return nil, err
			}
			if len(list) > maxCachedComments {
				lists[id] = commentList{Comments: list[:maxCachedComments]} // the head of a longer list
				continue
			}
			lists[id] = commentList{Whole: true, Comments: list}
		}
		return lists, nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]*biz.Comment, len(videoIDs))
	for _, id := range videoIDs {
		l := got[id]
		switch {
		case l.Whole && l.Comments == nil:
			out[id] = []*biz.Comment{}
		case l.Whole || limit >= 0 && limit <= len(l.Comments):
			out[id] = l.Comments[:min(limit, len(l.Comments))]
		default: // more than the head of a long list
			if out[id], err = r.readList(ctx, id, limit); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// readList reads at most limit (-1: all) of the video's comments not deleted, newest first (ids
// grow with time).
func (r *Comments) readList(ctx context.Context, videoID int64, limit int) ([]*biz.Comment, error) {
	var rows []commentRow
	err := r.db.WithContext(ctx).Where("video_id = ? AND deleted_at IS NULL", videoID).Order("id DESC").
		Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	out := make([]*biz.Comment, 0, len(rows))
	for _, row := range rows {
		out = append(out, row.toBiz())
	}
	return out, nil
}

// Counts returns the comment counts of videoIDs (zero for a video without comments).
func (r *Comments) Counts(ctx context.Context, videoIDs []int64) (map[int64]int64, error) {
	return r.keys.count.Get(ctx, videoIDs, func(ctx context.Context, ids []int64) (map[int64]int64, error) {
		var rows []countRow
		if err := r.db.WithContext(ctx).Where("video_id IN ?", ids).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("read comment counts: %w", err)
		}
		out := make(map[int64]int64, len(rows))
		for _, row := range rows {
			out[row.VideoID] = row.CommentCount
		}
		return out, nil
	})
}
