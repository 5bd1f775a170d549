package handler

import (
	"context"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
)

// The comment endpoints answer errno.NotImplemented, in their own shape, until the comment service is built.

func (h *Handler) CommentAction(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.CommentActionResponse{StatusCode: pending.Code, StatusMsg: pending.Msg})
}

func (h *Handler) CommentList(ctx context.Context, c *app.RequestContext) {
	write(c, pending.Code, &douyin.CommentListResponse{StatusCode: pending.Code, StatusMsg: pending.Msg,
		CommentList: []*douyin.Comment{}})
}
