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
		return nil, err
	}
	rpc.Wrote(ctx, h.log, "favorite."+biz.Action(req.Action).String(), changed, "user_id", req.UserId, "video_id", req.VideoId)
	return &favorite.FavoriteActionResponse{}, nil
}

// ListFavorites answers several pages' favorite lists, read together, each with its authors and
// stats (biz.Favorites.Lists).
func (h *handler) ListFavorites(ctx context.Context, req *favorite.ListFavoritesRequest) (*favorite.ListFavoritesResponse, error) {
	queries := make([]biz.ListQuery, len(req.Queries))
	for i, q := range req.Queries {
		queries[i] = biz.ListQuery{UserID: q.GetUserId(), Viewer: q.GetViewerId()}
	}
	lists, err := h.favorites.Lists(ctx, queries)
	if err != nil {
		return nil, err
	}
	resp := &favorite.ListFavoritesResponse{Answers: make([]*favorite.ListFavoritesAnswer, len(lists))}
	for i, l := range lists {
		stats := statsToProto(l.Stats)
		resp.Answers[i] = &favorite.ListFavoritesAnswer{VideoIds: l.VideoIDs, AuthorIds: l.Authors, Videos: stats.Videos, Users: stats.Users}
	}
	return resp, nil
}

// Stats answers several pages' counts, read together: each page's videos' likes (with its
// viewer's) and its users'.
func (h *handler) Stats(ctx context.Context, req *favorite.StatsRequest) (*favorite.StatsResponse, error) {
	queries := make([]biz.StatsQuery, len(req.Queries))
	for i, q := range req.Queries {
		queries[i] = biz.StatsQuery{Viewer: q.GetViewerId(), VideoIDs: q.GetVideoIds(), UserIDs: q.GetUserIds()}
	}
	answers, err := h.favorites.Stats(ctx, queries)
	if err != nil {
		return nil, err
	}
	resp := &favorite.StatsResponse{Answers: make([]*favorite.StatsAnswer, len(answers))}
	for i, a := range answers {
		resp.Answers[i] = statsToProto(a)
	}
	return resp, nil
}

func statsToProto(a biz.StatsAnswer) *favorite.StatsAnswer {
	resp := &favorite.StatsAnswer{
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
