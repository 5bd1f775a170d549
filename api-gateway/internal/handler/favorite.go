package handler

import (
	"context"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
)

// The favorite endpoints answer errno.NotImplemented, in their own shape, until the favorite service is built.

func (h *Handler) FavoriteAction(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.StatusResponse{StatusCode: pending.Code, StatusMsg: pending.Msg})
}

func (h *Handler) FavoriteList(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.VideoListResponse{StatusCode: pending.Code, StatusMsg: pending.Msg,
		VideoList: []*douyin.Video{}})
}
