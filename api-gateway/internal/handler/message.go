package handler

import (
	"context"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/errno"
)

// messageSend is the message action of the contract, its only one.
const messageSend int32 = 1

// MessageChat shows the messages between the caller and to_user_id, both ways, newer than
// pre_msg_time (epoch ms, 0 when absent), oldest first.
func (h *Handler) MessageChat(ctx context.Context, c *app.RequestContext) {
	resp := &douyin.ChatResponse{}
	to, err := idParam(c, "to_user_id", 0)
	var after int64
	if err == nil {
		after, err = timeParam(c, "pre_msg_time", "epoch milliseconds")
	}
	if err == nil {
		resp.MessageList, err = h.app.Chat(ctx, middleware.Viewer(c), to, after)
	}
	if err != nil {
		resp.MessageList = []*douyin.Message{}
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

// MessageAction sends content from the caller to to_user_id (action_type 1). An idempotency key
// (requestKeyParam) makes a repeated send store nothing new.
func (h *Handler) MessageAction(ctx context.Context, c *app.RequestContext) {
	resp := &douyin.StatusResponse{}
	to, err := idParam(c, "to_user_id", 0)
	if err == nil {
		_, err = actionParam(c, errno.MessageInvalidAction, messageSend)
	}
	var key string
	if err == nil {
		key, err = requestKeyParam(c)
	}
	if err == nil {
		content, _ := param(c, "content")
		err = h.app.SendMessage(ctx, middleware.Viewer(c), to, content, key)
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}
