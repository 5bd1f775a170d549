package handler

import (
	"context"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
)

// The relation endpoints answer errno.NotImplemented, in their own shape, until the relation service is built.

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
