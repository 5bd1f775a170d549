package main

import (
	"context"
	"log/slog"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/video"
	"simpletiktok/pkg/rpc"
)

// handler answers every call with errno.NotImplemented until the video service is built; it
// already registers in etcd so the gateway's calls and tests have a real peer.
type handler struct {
	log *slog.Logger
}

func (h *handler) Publish(ctx context.Context, req *video.PublishRequest) (*video.PublishResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) Feed(ctx context.Context, req *video.FeedRequest) (*video.FeedResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) ListByAuthor(ctx context.Context, req *video.ListByAuthorRequest) (*video.ListByAuthorResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) MGetVideos(ctx context.Context, req *video.MGetVideosRequest) (*video.MGetVideosResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) CountWorks(ctx context.Context, req *video.CountWorksRequest) (*video.CountWorksResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}
