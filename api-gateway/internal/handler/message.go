package handler

import (
	"context"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
)

// The message endpoints answer errno.NotImplemented, in their own shape, until the message service is built.

func (h *Handler) MessageChat(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.ChatResponse{StatusCode: pending.Code, StatusMsg: pending.Msg,
		MessageList: []*douyin.Message{}})
}

func (h *Handler) MessageAction(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.StatusResponse{StatusCode: pending.Code, StatusMsg: pending.Msg})
}
