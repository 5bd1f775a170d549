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

// ListFavorites answers a favorite list, with what a page of it shows of the likes when asked
// (biz.Favorites.Lists says when they can be given).
func (h *handler) ListFavorites(ctx context.Context, req *favorite.ListFavoritesRequest) (*favorite.ListFavoritesResponse, error) {
	resp, err := h.ListFavoritesBatch(ctx, &favorite.ListFavoritesBatchRequest{Queries: []*favorite.ListFavoritesRequest{req}})
	if err != nil {
		return nil, err
	}
	return resp.Answers[0], nil
}

// VideoStats is the first half of Stats, for gateways of the previous version (deprecated).
func (h *handler) VideoStats(ctx context.Context, req *favorite.VideoStatsRequest) (*favorite.VideoStatsResponse, error) {
	resp, err := h.Stats(ctx, &favorite.StatsRequest{ViewerId: req.ViewerId, VideoIds: req.VideoIds})
	if err != nil {
		return nil, err
	}
	return &favorite.VideoStatsResponse{Stats: resp.Videos}, nil
}

// UserStats is the second half of Stats, for gateways of the previous version (deprecated).
func (h *handler) UserStats(ctx context.Context, req *favorite.UserStatsRequest) (*favorite.UserStatsResponse, error) {
	resp, err := h.Stats(ctx, &favorite.StatsRequest{UserIds: req.UserIds})
	if err != nil {
		return nil, err
	}
	return &favorite.UserStatsResponse{Stats: resp.Users}, nil
}

// Stats answers a page's counts in one call: the videos' likes (with the viewer's) and the users'.
func (h *handler) Stats(ctx context.Context, req *favorite.StatsRequest) (*favorite.StatsResponse, error) {
	videos, users, err := h.favorites.Stats(ctx, req.ViewerId, req.VideoIds, req.UserIds)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	return statsToProto(biz.StatsAnswer{Videos: videos, Users: users}), nil
}

// StatsBatch answers several pages' Stats, read together.
func (h *handler) StatsBatch(ctx context.Context, req *favorite.StatsBatchRequest) (*favorite.StatsBatchResponse, error) {
	queries := make([]biz.StatsQuery, len(req.Queries))
	for i, q := range req.Queries {
		queries[i] = biz.StatsQuery{Viewer: q.GetViewerId(), VideoIDs: q.GetVideoIds(), UserIDs: q.GetUserIds()}
	}
	answers, err := h.favorites.StatsBatch(ctx, queries)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	resp := &favorite.StatsBatchResponse{Answers: make([]*favorite.StatsResponse, len(answers))}
	for i, a := range answers {
		resp.Answers[i] = statsToProto(a)
	}
	return resp, nil
}

func statsToProto(a biz.StatsAnswer) *favorite.StatsResponse {
	resp := &favorite.StatsResponse{
		Videos: make(map[int64]*favorite.VideoFavoriteStat, len(a.Videos)),
		Users:  make(map[int64]*favorite.UserFavoriteStat, len(a.Users)),
	}
	for id, s := range a.Videos {
		resp.Videos[id] = &favorite.VideoFavoriteStat{FavoriteCount: s.FavoriteCount, IsFavorite: s.IsFavorite}
	}
	for id, s := range a.Users {
		resp.Users[id] = &favorite.UserFavoriteStat{FavoriteCount: s.FavoriteCount, TotalFavorited: s.TotalFavorited}
	}
	return resp
}

// ListFavoritesBatch answers several pages' ListFavorites, read together: one cache round trip for
// the lists, one for the stats of those that ask for them.
func (h *handler) ListFavoritesBatch(ctx context.Context, req *favorite.ListFavoritesBatchRequest) (*favorite.ListFavoritesBatchResponse, error) {
	queries := make([]biz.ListQuery, len(req.Queries))
	for i, q := range req.Queries {
		queries[i] = biz.ListQuery{UserID: q.GetUserId(), Viewer: q.GetViewerId(), WithStats: q.GetWithStats()}
	}
	lists, err := h.favorites.Lists(ctx, queries)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	answers := make([]*favorite.ListFavoritesResponse, len(lists))
	for i, l := range lists {
		answers[i] = &favorite.ListFavoritesResponse{VideoIds: l.VideoIDs, AuthorIds: l.Authors}
		if l.Stats != nil {
			stats := statsToProto(*l.Stats)
			answers[i].Videos, answers[i].Users = stats.Videos, stats.Users
		}
	}
	return &favorite.ListFavoritesBatchResponse{Answers: answers}, nil
}
