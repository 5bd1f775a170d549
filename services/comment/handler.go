package main

import (
	"context"
	"log/slog"

	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/comment/internal/biz"
)

// handler adapts Kitex calls to the comment rules.
type handler struct {
	comments *biz.Comments
	log      *slog.Logger
}

func (h *handler) PostComment(ctx context.Context, req *comment.PostCommentRequest) (*comment.PostCommentResponse, error) {
	c, err := h.comments.Post(ctx, req.UserId, req.VideoId, req.Content, req.RequestKey)
	if err != nil {
		return nil, err
	}
	rpc.Wrote(ctx, h.log, "comment.post", c.Fresh, "user_id", req.UserId, "video_id", req.VideoId, "comment_id", c.ID)
	return &comment.PostCommentResponse{Comment: toProto(c)}, nil
}

func (h *handler) DeleteComment(ctx context.Context, req *comment.DeleteCommentRequest) (*comment.DeleteCommentResponse, error) {
	deleted, err := h.comments.Delete(ctx, req.UserId, req.VideoId, req.CommentId)
	if err != nil {
		return nil, err
	}
	rpc.Wrote(ctx, h.log, "comment.delete", deleted, "user_id", req.UserId, "video_id", req.VideoId, "comment_id", req.CommentId)
	return &comment.DeleteCommentResponse{}, nil
}

// ListComments answers several pages' comment lists, read together (one cache round trip).
func (h *handler) ListComments(ctx context.Context, req *comment.ListCommentsRequest) (*comment.ListCommentsResponse, error) {
	videoIDs := make([]int64, len(req.Queries))
	for i, q := range req.Queries {
		videoIDs[i] = q.GetVideoId()
	}
	lists, err := h.comments.Lists(ctx, videoIDs)
	if err != nil {
		return nil, err
	}
	resp := &comment.ListCommentsResponse{Answers: make([]*comment.ListCommentsAnswer, len(lists))}
	for i, list := range lists {
		answer := &comment.ListCommentsAnswer{Comments: make([]*comment.Comment, 0, len(list))}
		for _, c := range list {
			answer.Comments = append(answer.Comments, toProto(c))
		}
		resp.Answers[i] = answer
	}
	return resp, nil
}

func (h *handler) CountComments(ctx context.Context, req *comment.CountCommentsRequest) (*comment.CountCommentsResponse, error) {
	counts, err := h.comments.Counts(ctx, req.VideoIds)
	if err != nil {
		return nil, err
	}
	return &comment.CountCommentsResponse{CommentCounts: counts}, nil
}

func toProto(c *biz.Comment) *comment.Comment {
	return &comment.Comment{Id: c.ID, VideoId: c.VideoID, UserId: c.UserID, Content: c.Content,
		CreateTimeMs: c.CreatedAt.UnixMilli()}
}
