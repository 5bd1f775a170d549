package main

import (
	"context"
	"log/slog"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/relation"
	"simpletiktok/pkg/rpc"
)

// handler answers every call with errno.NotImplemented until the relation service is built; it
// already registers in etcd so the gateway's calls and tests have a real peer.
type handler struct {
	log *slog.Logger
}

func (h *handler) RelationAction(ctx context.Context, req *relation.RelationActionRequest) (*relation.RelationActionResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) ListFollowing(ctx context.Context, req *relation.ListRequest) (*relation.ListResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) ListFollowers(ctx context.Context, req *relation.ListRequest) (*relation.ListResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) ListFriends(ctx context.Context, req *relation.ListRequest) (*relation.ListResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) UserStats(ctx context.Context, req *relation.UserStatsRequest) (*relation.UserStatsResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) IsFollowing(ctx context.Context, req *relation.IsFollowingRequest) (*relation.IsFollowingResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}
