package main

import (
	"context"
	"log/slog"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/rpc"
)

// handler answers every call with errno.NotImplemented until the favorite service is built; it
// already registers in etcd so the gateway's calls and tests have a real peer.
type handler struct {
	log *slog.Logger
}

func (h *handler) FavoriteAction(ctx context.Context, req *favorite.FavoriteActionRequest) (*favorite.FavoriteActionResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) ListFavorites(ctx context.Context, req *favorite.ListFavoritesRequest) (*favorite.ListFavoritesResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) VideoStats(ctx context.Context, req *favorite.VideoStatsRequest) (*favorite.VideoStatsResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) UserStats(ctx context.Context, req *favorite.UserStatsRequest) (*favorite.UserStatsResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}
