package handler

import (
	"context"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
)

// The video endpoints answer errno.NotImplemented, in their own shape, until the video service is built.

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
