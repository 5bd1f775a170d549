package handler

import (
	"context"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/relation"
)

// RelationAction makes the caller follow (action_type 1) or unfollow (2) to_user_id.
func (h *Handler) RelationAction(ctx context.Context, c *app.RequestContext) {
	resp := &douyin.StatusResponse{}
	to, err := idParam(c, "to_user_id", 0)
	var action relation.RelationAction
	if err == nil {
		action, err = actionParam(c, errno.RelationInvalidAction, relation.RelationAction_FOLLOW, relation.RelationAction_UNFOLLOW)
	}
	if err == nil {
		err = h.app.RelationAction(ctx, middleware.Viewer(c), to, action)
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

// FollowList shows whom user_id (the caller when absent) follows, newest first.
func (h *Handler) FollowList(ctx context.Context, c *app.RequestContext) {
	h.userList(ctx, c, h.app.FollowList)
}

// FollowerList shows who follows user_id (the caller when absent), newest first.
func (h *Handler) FollowerList(ctx context.Context, c *app.RequestContext) {
	h.userList(ctx, c, h.app.FollowerList)
}

// userList answers a list of users about user_id (the caller when absent), with the flags about
// the caller.
func (h *Handler) userList(ctx context.Context, c *app.RequestContext,
	list func(ctx context.Context, viewer, userID int64) ([]*douyin.User, error)) {
	viewer := middleware.Viewer(c)
	resp := &douyin.UserListResponse{}
	id, err := idParam(c, "user_id", viewer)
	if err == nil {
		resp.UserList, err = list(ctx, viewer, id)
	}
	if err != nil {
		resp.UserList = []*douyin.User{}
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

// FriendList shows the mutual follows of user_id (the caller when absent), each with the latest
// message between the caller and them.
func (h *Handler) FriendList(ctx context.Context, c *app.RequestContext) {
	viewer := middleware.Viewer(c)
	resp := &douyin.FriendListResponse{}
	id, err := idParam(c, "user_id", viewer)
	if err == nil {
		resp.UserList, err = h.app.FriendList(ctx, viewer, id)
	}
	if err != nil {
		resp.UserList = []*douyin.FriendUser{}
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}
