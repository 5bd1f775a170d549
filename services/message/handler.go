package main

import (
	"context"
	"log/slog"

	"simpletiktok/pkg/kitex_gen/message"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/message/internal/biz"
)

// handler adapts Kitex calls to the chat rules. Message text never reaches the log.
type handler struct {
	messages *biz.Messages
	log      *slog.Logger
}

func (h *handler) SendMessage(ctx context.Context, req *message.SendMessageRequest) (*message.SendMessageResponse, error) {
	m, err := h.messages.Send(ctx, req.FromUserId, req.ToUserId, req.Content, req.RequestKey)
	if err != nil {
		return nil, err
	}
	rpc.Wrote(ctx, h.log, "message.send", m.Fresh, "from_user_id", m.FromUserID, "to_user_id", m.ToUserID, "message_id", m.ID)
	return &message.SendMessageResponse{Message: toProto(m)}, nil
}

func (h *handler) Chat(ctx context.Context, req *message.ChatRequest) (*message.ChatResponse, error) {
	msgs, err := h.messages.Chat(ctx, req.UserId, req.PeerId, req.PreMsgTimeMs)
	if err != nil {
		return nil, err
	}
	resp := &message.ChatResponse{Messages: make([]*message.Message, 0, len(msgs))}
	for _, m := range msgs {
		resp.Messages = append(resp.Messages, toProto(m))
	}
	return resp, nil
}

// LatestMessages answers several pages' latest messages, read together.
func (h *handler) LatestMessages(ctx context.Context, req *message.LatestMessagesRequest) (*message.LatestMessagesResponse, error) {
	queries := make([]biz.LatestQuery, len(req.Queries))
	for i, q := range req.Queries {
		queries[i] = biz.LatestQuery{User: q.GetUserId(), Peers: q.GetPeerIds()}
	}
	latest, err := h.messages.Latest(ctx, queries)
	if err != nil {
		return nil, err
	}
	resp := &message.LatestMessagesResponse{Answers: make([]*message.LatestMessagesAnswer, len(latest))}
	for i, l := range latest {
		resp.Answers[i] = latestToProto(l)
	}
	return resp, nil
}

func latestToProto(latest map[int64]*biz.Message) *message.LatestMessagesAnswer {
	resp := &message.LatestMessagesAnswer{Latest: make(map[int64]*message.Message, len(latest))}
	for peer, m := range latest {
		resp.Latest[peer] = toProto(m)
	}
	return resp
}

func toProto(m *biz.Message) *message.Message {
	return &message.Message{Id: m.ID, FromUserId: m.FromUserID, ToUserId: m.ToUserID, Content: m.Content,
		CreateTimeMs: m.CreateTimeMs}
}
