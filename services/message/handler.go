package main

import (
	"context"
	"log/slog"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/message"
	"simpletiktok/pkg/rpc"
)

// handler answers every call with errno.NotImplemented until the message service is built; it
// already registers in etcd so the gateway's calls and tests have a real peer.
type handler struct {
	log *slog.Logger
}

func (h *handler) SendMessage(ctx context.Context, req *message.SendMessageRequest) (*message.SendMessageResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) Chat(ctx context.Context, req *message.ChatRequest) (*message.ChatResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}

func (h *handler) LatestMessages(ctx context.Context, req *message.LatestMessagesRequest) (*message.LatestMessagesResponse, error) {
	return nil, rpc.ServerError(ctx, h.log, errno.NotImplemented)
}
