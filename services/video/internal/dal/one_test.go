package dal

import (
	"context"

	"simpletiktok/services/video/internal/biz"
)

// The reads of one user's or one video's list, for the tests: the service reads them in batches.

// ListByAuthor returns the newest limit of the author's videos, newest first.
func (r *Videos) ListByAuthor(ctx context.Context, authorID int64, limit int) ([]*biz.Video, error) {
	lists, err := r.ListByAuthors(ctx, []int64{authorID}, limit)
	return lists[authorID], err
}

// feedOf is one page of the feed read by the rules, asked as a batch of one: its videos and the
// next time.
func feedOf(ctx context.Context, s *biz.Videos, latestMs int64, limit int) ([]*biz.Video, int64, error) {
	pages, err := s.Feed(ctx, []biz.FeedQuery{{BeforeMs: latestMs, Limit: limit}})
	if err != nil {
		return nil, 0, err
	}
	return pages[0].Videos, pages[0].NextMs, nil
}
