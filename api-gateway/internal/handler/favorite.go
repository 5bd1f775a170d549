package handler

import (
	"context"
	"strconv"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/rpc"
)

// FavoriteAction likes (action_type 1) or unlikes (2) video_id as the caller. The favorite service
// judges action_type, so a wrong one gets its code.
func (h *Handler) FavoriteAction(ctx context.Context, c *app.RequestContext) {
	resp := &douyin.StatusResponse{}
	videoID, err := idParam(c, "video_id", 0)
	if err == nil {
		_, err = h.clients.Favorite.FavoriteAction(ctx, &favorite.FavoriteActionRequest{
			UserId: middleware.Viewer(c), VideoId: videoID, Action: favorite.FavoriteAction(actionParam(c))})
		err = rpc.ClientError(err)
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
		resp.VideoList, err = h.likedVideos(ctx, viewer, userID)
	}
	if err != nil {
		resp.VideoList = []*douyin.Video{}
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

// likedVideos costs the same calls at any length: the liked ids, the videos, then the assembler's.
func (h *Handler) likedVideos(ctx context.Context, viewer, userID int64) ([]*douyin.Video, error) {
	liked, err := h.clients.Favorite.ListFavorites(ctx, &favorite.ListFavoritesRequest{UserId: userID})
	if err != nil {
		return nil, rpc.ClientError(err)
	}
	return h.pages.VideosByID(ctx, viewer, liked.VideoIds)
}

// actionParam reads action_type; a missing or malformed one reads as 0, which no action accepts.
func actionParam(c *app.RequestContext) int32 {
	v, _ := param(c, "action_type")
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0
	}
	return int32(n)
}
