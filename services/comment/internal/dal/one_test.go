package dal

import (
	"context"

	"simpletiktok/services/comment/internal/biz"
)

// The reads of one user's or one video's list, for the tests: the service reads them in batches.

// ListByVideo returns the video's newest limit comments not deleted, newest first.
func (r *Comments) ListByVideo(ctx context.Context, videoID int64, limit int) ([]*biz.Comment, error) {
	lists, err := r.ListByVideos(ctx, []int64{videoID}, limit)
	return lists[videoID], err
}
