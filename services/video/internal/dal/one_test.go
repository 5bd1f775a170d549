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
