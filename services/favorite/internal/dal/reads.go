package dal

import (
	"context"
	"fmt"

	"simpletiktok/services/favorite/internal/biz"
)

// LikedVideos returns the videos userID likes, newest like first: ids grow with time, and a like
// given again after an unlike is a new row.
func (r *Favorites) LikedVideos(ctx context.Context, userID int64, limit int) ([]int64, error) {
	ids := []int64{}
	if err := r.db.WithContext(ctx).Model(&likeRow{}).Where("user_id = ?", userID).
		Order("id DESC").Limit(limit).Pluck("video_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("list liked videos: %w", err)
	}
	return ids, nil
}

// VideoStats reads the counters of videoIDs and which of them viewer likes, in one statement so
// that a count and its flag come from one snapshot. A video without a counter row has no likes.
func (r *Favorites) VideoStats(ctx context.Context, viewer int64, videoIDs []int64) (map[int64]biz.VideoStat, error) {
	var rows []struct {
		VideoID       int64
		FavoriteCount int64
		IsFavorite    bool
	}
	err := r.db.WithContext(ctx).Raw("SELECT s.video_id, s.favorite_count, "+
		"EXISTS (SELECT 1 FROM likes l WHERE l.user_id = ? AND l.video_id = s.video_id) AS is_favorite "+
		"FROM video_favorite_stats s WHERE s.video_id IN ?", viewer, videoIDs).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read video favorite stats: %w", err)
	}
	out := make(map[int64]biz.VideoStat, len(rows))
	for _, row := range rows {
		out[row.VideoID] = biz.VideoStat{FavoriteCount: row.FavoriteCount, IsFavorite: row.IsFavorite}
	}
	return out, nil
}

// UserStats reads the counters of userIDs.
func (r *Favorites) UserStats(ctx context.Context, userIDs []int64) (map[int64]biz.UserStat, error) {
	var rows []userStatRow
	if err := r.db.WithContext(ctx).Where("user_id IN ?", userIDs).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read user favorite counts: %w", err)
	}
	out := make(map[int64]biz.UserStat, len(rows))
	for _, row := range rows {
		out[row.UserID] = biz.UserStat{FavoriteCount: row.FavoriteCount, TotalFavorited: row.TotalFavorited}
	}
	return out, nil
}
