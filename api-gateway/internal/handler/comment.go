package handler

import (
	"context"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/errno"
)

// commentAction is a comment action of the contract.
type commentAction int32

const (
	commentPost   commentAction = 1
	commentDelete commentAction = 2
)

// The answer's shape follows the action asked for: a delete answers status_code and status_msg
// only, with no comment key at all (as the contract and the demo server do), whatever its
// outcome; any other request carries comment, the new comment on a post and null on a refusal.

// CommentAction posts (action_type 1, comment_text) or deletes (2, comment_id) a comment of
// video_id as the caller. A post answers with the new comment; with an idempotency key
// (requestKeyParam), a repeated post answers the comment the key made and adds none.
func (h *Handler) CommentAction(ctx context.Context, c *app.RequestContext) {
	if isCommentDelete(c) {
		h.deleteComment(ctx, c)
		return
	}
	resp := &douyin.CommentActionResponse{}
	videoID, err := idParam(c, "video_id", 0)
	if err == nil { // anything but a delete must be a post
		_, err = actionParam(c, errno.CommentInvalidAction, commentPost)
	}
	var key string
	if err == nil {
		key, err = requestKeyParam(c)
	}
	if err == nil {
		text, _ := param(c, "comment_text")
		resp.Comment, err = h.app.PostComment(ctx, middleware.Viewer(c), videoID, text, key)
	}
	if err != nil {
		resp.Comment = nil
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

func (h *Handler) deleteComment(ctx context.Context, c *app.RequestContext) {
	resp := &douyin.StatusResponse{}
	videoID, err := idParam(c, "video_id", 0)
	var commentID int64
	if err == nil {
		commentID, err = idParam(c, "comment_id", 0)
	}
	if err == nil {
		err = h.app.DeleteComment(ctx, middleware.Viewer(c), videoID, commentID)
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

func isCommentDelete(c *app.RequestContext) bool {
	action, err := actionParam(c, errno.CommentInvalidAction, commentPost, commentDelete)
	return err == nil && action == commentDelete
}

// CommentActionBlank is the comment action's answer fields for a refusal made before the handler
// ran (no valid token, a body too large), in the same shape as the handler's answers.
func CommentActionBlank(c *app.RequestContext) map[string]any {
	if isCommentDelete(c) {
		return nil
	}
	return map[string]any{"comment": nil}
}

// CommentList shows the comments of video_id, newest first; the token is optional.
func (h *Handler) CommentList(ctx context.Context, c *app.RequestContext) {
	resp := &douyin.CommentListResponse{}
	videoID, err := idParam(c, "video_id", 0)
	if err == nil {
		resp.CommentList, err = h.app.CommentList(ctx, middleware.Viewer(c), videoID)
	}
	if err != nil {
		resp.CommentList = []*douyin.Comment{}
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}
