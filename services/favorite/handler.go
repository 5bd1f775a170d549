package main

import (
	"context"
	"log/slog"

	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/favorite/internal/biz"
)

// handler adapts Kitex calls to the like rules.
type handler struct {
	favorites *biz.Favorites
	log       *slog.Logger
}

func (h *handler) FavoriteAction(ctx context.Context, req *favorite.FavoriteActionRequest) (*favorite.FavoriteActionResponse, error) {
	changed, err := h.favorites.Act(ctx, req.UserId, req.VideoId, biz.Action(req.Action))
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	h.log.DebugContext(ctx, "favorite action", "user_id", req.UserId, "video_id", req.VideoId,
		"action", int32(req.Action), "changed", changed)
	return &favorite.FavoriteActionResponse{}, nil
}

func (h *handler) ListFavorites(ctx context.Context, req *favorite.ListFavoritesRequest) (*favorite.ListFavoritesResponse, error) {
	ids, err := h.favorites.LikedVideos(ctx, req.UserId)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	return &favorite.ListFavoritesResponse{VideoIds: ids}, nil
}

func (h *handler) VideoStats(ctx context.Context, req *favorite.VideoStatsRequest) (*favorite.VideoStatsResponse, error) {
	stats, err := h.favorites.VideoStats(ctx, req.ViewerId, req.VideoIds)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	resp := &favorite.VideoStatsResponse{Stats: make(map[int64]*favorite.VideoFavoriteStat, len(stats))}
	for id, s := range stats {
		resp.Stats[id] = &favorite.VideoFavoriteStat{FavoriteCount: s.FavoriteCount, IsFavorite: s.IsFavorite}
	}
	return resp, nil
}

func (h *handler) UserStats(ctx context.Context, req *favorite.UserStatsRequest) (*favorite.UserStatsResponse, error) {
	stats, err := h.favorites.UserStats(ctx, req.UserIds)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	resp := &favorite.UserStatsResponse{Stats: make(map[int64]*favorite.UserFavoriteStat, len(stats))}
	for id, s := range stats {
		resp.Stats[id] = &favorite.UserFavoriteStat{FavoriteCount: s.FavoriteCount, TotalFavorited: s.TotalFavorited}
	}
	return resp, nil
}
