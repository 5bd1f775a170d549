package handler

import (
	"context"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/pkg/errno"
)

// The endpoints below belong to services that are not built yet. Each answers with the shape of
// its own response (lists present and empty) and errno.NotImplemented.

var pending = errno.NotImplemented

func (h *Handler) Feed(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.FeedResponse{StatusCode: pending.Code, StatusMsg: pending.Msg,
		VideoList: []*douyin.Video{}, NextTime: time.Now().UnixMilli()})
}

func (h *Handler) PublishAction(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.StatusResponse{StatusCode: pending.Code, StatusMsg: pending.Msg})
}

func (h *Handler) PublishList(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.VideoListResponse{StatusCode: pending.Code, StatusMsg: pending.Msg,
		VideoList: []*douyin.Video{}})
}

func (h *Handler) FavoriteAction(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.StatusResponse{StatusCode: pending.Code, StatusMsg: pending.Msg})
}

func (h *Handler) FavoriteList(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.VideoListResponse{StatusCode: pending.Code, StatusMsg: pending.Msg,
		VideoList: []*douyin.Video{}})
}

func (h *Handler) CommentAction(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.CommentActionResponse{StatusCode: pending.Code, StatusMsg: pending.Msg})
}

func (h *Handler) CommentList(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.CommentListResponse{StatusCode: pending.Code, StatusMsg: pending.Msg,
		CommentList: []*douyin.Comment{}})
}

func (h *Handler) RelationAction(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.StatusResponse{StatusCode: pending.Code, StatusMsg: pending.Msg})
}

func (h *Handler) FollowList(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.UserListResponse{StatusCode: pending.Code, StatusMsg: pending.Msg,
		UserList: []*douyin.User{}})
}

func (h *Handler) FollowerList(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.UserListResponse{StatusCode: pending.Code, StatusMsg: pending.Msg,
		UserList: []*douyin.User{}})
}

func (h *Handler) FriendList(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.FriendListResponse{StatusCode: pending.Code, StatusMsg: pending.Msg,
		UserList: []*douyin.FriendUser{}})
}

func (h *Handler) MessageChat(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.ChatResponse{StatusCode: pending.Code, StatusMsg: pending.Msg,
		MessageList: []*douyin.Message{}})
}

func (h *Handler) MessageAction(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.StatusResponse{StatusCode: pending.Code, StatusMsg: pending.Msg})
}
