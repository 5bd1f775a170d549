package handler

import (
	"context"
	"strconv"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/message"
	"simpletiktok/pkg/rpc"
)

// MessageChat shows the messages between the caller and to_user_id, both ways, newer than
// pre_msg_time (epoch ms, 0 when absent), oldest first. The caller is always one of the two, so
// nobody reads someone else's conversation.
func (h *Handler) MessageChat(ctx context.Context, c *app.RequestContext) {
	resp := &douyin.ChatResponse{MessageList: []*douyin.Message{}}
	to, err := idParam(c, "to_user_id", 0)
	var after int64
	if err == nil {
		after, err = preMsgTime(c)
	}
	if err == nil {
		var chat *message.ChatResponse
		chat, err = h.clients.Message.Chat(ctx, &message.ChatRequest{UserId: middleware.Viewer(c), PeerId: to, PreMsgTimeMs: after})
		if err == nil {
			resp.MessageList = chatMessages(chat.Messages)
		}
		err = rpc.ClientError(err)
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

// MessageAction sends content from the caller to to_user_id (action_type 1, the only action).
func (h *Handler) MessageAction(ctx context.Context, c *app.RequestContext) {
	resp := &douyin.StatusResponse{}
	to, err := idParam(c, "to_user_id", 0)
	if action, _ := param(c, "action_type"); err == nil && action != "1" {
		err = errno.MessageInvalidAction
	}
	if err == nil {
		content, _ := param(c, "content")
		_, err = h.clients.Message.SendMessage(ctx, &message.SendMessageRequest{
			FromUserId: middleware.Viewer(c), ToUserId: to, Content: content})
		err = rpc.ClientError(err)
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

// preMsgTime reads pre_msg_time in epoch milliseconds; absent or empty means from the start.
func preMsgTime(c *app.RequestContext) (int64, error) {
	v, ok := param(c, "pre_msg_time")
	if !ok || v == "" {
		return 0, nil
	}
	t, err := strconv.ParseInt(v, 10, 64)
	if err != nil || t < 0 {
		return 0, errno.BadRequest.WithMsg("pre_msg_time must be a non-negative integer (epoch milliseconds)")
	}
	return t, nil
}

func chatMessages(msgs []*message.Message) []*douyin.Message {
	out := make([]*douyin.Message, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, &douyin.Message{Id: m.Id, ToUserId: m.ToUserId, FromUserId: m.FromUserId,
			Content: m.Content, CreateTime: m.CreateTimeMs})
	}
	return out
}
