package dal

import "context"

// The reads of one user's or one video's list, for the tests: the service reads them in batches.

// LikedVideos returns the videos userID likes, newest like first: ids grow with time, and a like
// given again after an unlike is a new row.
func (r *Favorites) LikedVideos(ctx context.Context, userID int64, limit int) ([]int64, error) {
	lists, err := r.LikedVideosOf(ctx, []int64{userID}, limit)
	return lists[userID], err
}
