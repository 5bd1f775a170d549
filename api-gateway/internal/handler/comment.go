package handler

import (
	"context"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/rpc"
)

// Comment actions of the contract.
const (
	commentPost   = 1
	commentDelete = 2
)

// defaultZone is Asia/Shanghai's offset (no daylight saving since 1991), for handlers built without
// CommentZone.
var defaultZone = time.FixedZone("CST", 8*60*60)

// CommentZone shows comment dates ("MM-DD") in loc.
func CommentZone(loc *time.Location) Option {
	return func(h *Handler) {
		if loc != nil {
			h.zone = loc
		}
	}
}

// CommentAction posts (action_type 1, comment_text) or deletes (2, comment_id) a comment of
// video_id as the caller. A post answers with the new comment.
func (h *Handler) CommentAction(ctx context.Context, c *app.RequestContext) {
	viewer := middleware.Viewer(c)
	resp := &douyin.CommentActionResponse{}
	videoID, err := idParam(c, "video_id", 0)
	if err == nil {
		switch actionParam(c) {
		case commentPost:
			text, _ := param(c, "comment_text")
			resp.Comment, err = h.postComment(ctx, viewer, videoID, text)
		case commentDelete:
			err = h.deleteComment(ctx, c, viewer, videoID)
		default:
			err = errno.CommentInvalidAction
		}
	}
	if err != nil {
		resp.Comment = nil
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

// CommentList shows the comments of video_id, newest first; the token is optional.
func (h *Handler) CommentList(ctx context.Context, c *app.RequestContext) {
	viewer := middleware.Viewer(c)
	resp := &douyin.CommentListResponse{}
	videoID, err := idParam(c, "video_id", 0)
	if err == nil {
		resp.CommentList, err = h.videoComments(ctx, viewer, videoID)
	}
	if err != nil {
		resp.CommentList = []*douyin.Comment{}
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

// postComment shows the caller first and posts second: once a comment is stored, the answer
// cannot fail for want of its author, which would invite the phone to post it again.
func (h *Handler) postComment(ctx context.Context, viewer, videoID int64, text string) (*douyin.Comment, error) {
	author, err := h.pages.User(ctx, viewer, viewer)
	if err != nil {
		return nil, err
	}
	posted, err := h.clients.Comment.PostComment(ctx, &comment.PostCommentRequest{UserId: viewer, VideoId: videoID, Content: text})
	if err != nil {
		return nil, rpc.ClientError(err)
	}
	return h.comment(posted.Comment, author), nil
}

func (h *Handler) deleteComment(ctx context.Context, c *app.RequestContext, viewer, videoID int64) error {
	commentID, err := idParam(c, "comment_id", 0)
	if err != nil {
		return err
	}
	_, err = h.clients.Comment.DeleteComment(ctx, &comment.DeleteCommentRequest{UserId: viewer, VideoId: videoID, CommentId: commentID})
	return rpc.ClientError(err)
}

func (h *Handler) videoComments(ctx context.Context, viewer, videoID int64) ([]*douyin.Comment, error) {
	list, err := h.clients.Comment.ListComments(ctx, &comment.ListCommentsRequest{VideoId: videoID})
	if err != nil {
		return nil, rpc.ClientError(err)
	}
	return h.comments(ctx, viewer, list.Comments)
}

// comments shows the comments with their authors as viewer sees them, in order, from one batch of
// user calls whatever their number.
func (h *Handler) comments(ctx context.Context, viewer int64, list []*comment.Comment) ([]*douyin.Comment, error) {
	ids := make([]int64, 0, len(list))
	for _, cm := range list {
		ids = append(ids, cm.UserId)
	}
	users, err := h.pages.Users(ctx, viewer, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*douyin.Comment, 0, len(list))
	for _, cm := range list {
		u, ok := users[cm.UserId]
		if !ok {
			h.log.WarnContext(ctx, "comment without an existing author is left out", "comment_id", cm.Id, "user_id", cm.UserId)
			continue
		}
		out = append(out, h.comment(cm, u))
	}
	return out, nil
}

func (h *Handler) comment(cm *comment.Comment, author *douyin.User) *douyin.Comment {
	return &douyin.Comment{Id: cm.Id, User: author, Content: cm.Content,
		CreateDate: time.UnixMilli(cm.CreateTimeMs).In(h.zone).Format("01-02")}
}
