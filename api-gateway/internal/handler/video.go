package handler

import (
	"context"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/middleware"
)

// Feed answers the videos published strictly before latest_time, newest first, to anyone; a valid
// token only adds the caller's flags. next_time pages on; on failure it is the request's own time
// (now, when latest_time itself is refused).
func (h *Handler) Feed(ctx context.Context, c *app.RequestContext) {
	resp := &douyin.FeedResponse{}
	latest, err := latestTimeParam(c)
	if err == nil {
		resp.VideoList, resp.NextTime, err = h.app.Feed(ctx, middleware.Viewer(c), latest)
	} else {
		resp.NextTime = time.Now().UnixMilli()
	}
	if err != nil {
		resp.VideoList = []*douyin.Video{}
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

// FeedBlank is the feed's answer fields for a refusal made before the handler ran (busy, a body
// too large): an empty page whose next_time is the request's latest_time, or now, as for any
// empty page.
func FeedBlank(c *app.RequestContext) map[string]any {
	next, err := latestTimeParam(c)
	if err != nil || next == 0 {
		next = time.Now().UnixMilli()
	}
	return map[string]any{"video_list": []any{}, "next_time": next}
}

// PublishList answers the videos of user_id (the caller when absent), newest first.
func (h *Handler) PublishList(ctx context.Context, c *app.RequestContext) {
	viewer := middleware.Viewer(c)
	resp := &douyin.VideoListResponse{}
	id, err := idParam(c, "user_id", viewer)
	if err == nil {
		resp.VideoList, err = h.app.PublishList(ctx, viewer, id)
	}
	if err != nil {
		resp.VideoList = []*douyin.Video{}
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

// Media serves the stored media under assemble.MediaPath.
func (h *Handler) Media(ctx context.Context, c *app.RequestContext) {
	h.media.Serve(ctx, c)
}
