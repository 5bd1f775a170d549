package main

import (
	"context"
	"log/slog"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/rpc"
)

// handler answers every call with errno.NotImplemented until the comment service is built; it
// already registers in etcd so the gateway's calls and tests have a real peer.
type handler struct {
	log *slog.Logger
}

func (h *handler) PostComment(ctx context.Context, req *comment.PostCommentRequest) (*comment.PostCommentResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) DeleteComment(ctx context.Context, req *comment.DeleteCommentRequest) (*comment.DeleteCommentResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) ListComments(ctx context.Context, req *comment.ListCommentsRequest) (*comment.ListCommentsResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) CountComments(ctx context.Context, req *comment.CountCommentsRequest) (*comment.CountCommentsResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}
