package handler

import (
	"context"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/favorite"
)

// FavoriteAction likes (action_type 1) or unlikes (2) video_id as the caller.
func (h *Handler) FavoriteAction(ctx context.Context, c *app.RequestContext) {
	resp := &douyin.StatusResponse{}
	videoID, err := idParam(c, "video_id", 0)
	var action favorite.FavoriteAction
	if err == nil {
		action, err = actionParam(c, errno.FavoriteInvalidAction, favorite.FavoriteAction_LIKE, favorite.FavoriteAction_UNLIKE)
	}
	if err == nil {
		err = h.app.FavoriteAction(ctx, middleware.Viewer(c), videoID, action)
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

// FavoriteList shows the videos user_id (the caller when absent) likes, newest like first, as the
// caller sees them.
func (h *Handler) FavoriteList(ctx context.Context, c *app.RequestContext) {
	viewer := middleware.Viewer(c)
	resp := &douyin.VideoListResponse{}
	userID, err := idParam(c, "user_id", viewer)
	if err == nil {
		resp.VideoList, err = h.app.FavoriteList(ctx, viewer, userID)
	}
	if err != nil {
		resp.VideoList = []*douyin.Video{}
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}
