package handler

import (
	"context"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/kitex/client/callopt"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/relation"
	"simpletiktok/pkg/rpc"
)

// RelationAction makes the caller follow (action_type 1) or unfollow (2) to_user_id.
func (h *Handler) RelationAction(ctx context.Context, c *app.RequestContext) {
	resp := &douyin.StatusResponse{}
	to, err := idParam(c, "to_user_id", 0)
	var action relation.RelationAction
	if err == nil {
		action, err = relationAction(c)
	}
	if err == nil {
		_, err = h.clients.Relation.RelationAction(ctx, &relation.RelationActionRequest{
			UserId: middleware.Viewer(c), ToUserId: to, Action: action})
		err = rpc.ClientError(err)
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

// FollowList shows whom user_id (the caller when absent) follows, newest first.
func (h *Handler) FollowList(ctx context.Context, c *app.RequestContext) {
	h.userList(ctx, c, h.clients.Relation.ListFollowing)
}

// FollowerList shows who follows user_id (the caller when absent), newest first.
func (h *Handler) FollowerList(ctx context.Context, c *app.RequestContext) {
	h.userList(ctx, c, h.clients.Relation.ListFollowers)
}

// FriendList shows the mutual follows of user_id (the caller when absent), each with the latest
// message between the caller and them.
func (h *Handler) FriendList(ctx context.Context, c *app.RequestContext) {
	viewer := middleware.Viewer(c)
	resp := &douyin.FriendListResponse{}
	ids, err := h.relationIDs(ctx, c, h.clients.Relation.ListFriends)
	if err == nil {
		resp.UserList, err = h.pages.Friends(ctx, viewer, ids)
	}
	if err != nil {
		resp.UserList = []*douyin.FriendUser{}
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

type listCall func(context.Context, *relation.ListRequest, ...callopt.Option) (*relation.ListResponse, error)

// userList answers a list of users about user_id, with the flags about the caller.
func (h *Handler) userList(ctx context.Context, c *app.RequestContext, list listCall) {
	viewer := middleware.Viewer(c)
	resp := &douyin.UserListResponse{}
	ids, err := h.relationIDs(ctx, c, list)
	if err == nil {
		resp.UserList, err = h.pages.UserList(ctx, viewer, ids)
	}
	if err != nil {
		resp.UserList = []*douyin.User{}
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

// relationIDs reads user_id (the caller when absent) and asks the relation service for its list.
func (h *Handler) relationIDs(ctx context.Context, c *app.RequestContext, list listCall) ([]int64, error) {
	id, err := idParam(c, "user_id", middleware.Viewer(c))
	if err != nil {
		return nil, err
	}
	resp, err := list(ctx, &relation.ListRequest{UserId: id})
	if err != nil {
		return nil, rpc.ClientError(err)
	}
	return resp.UserIds, nil
}

// relationAction reads action_type: 1 follow, 2 unfollow; anything else, or nothing, is refused.
func relationAction(c *app.RequestContext) (relation.RelationAction, error) {
	switch v, _ := param(c, "action_type"); v {
	case "1":
		return relation.RelationAction_FOLLOW, nil
	case "2":
		return relation.RelationAction_UNFOLLOW, nil
	}
	return 0, errno.RelationInvalidAction
}
