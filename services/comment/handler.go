package main

import (
	"context"
	"log/slog"

	"simpletiktok/pkg/idbatch"
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
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	return &comment.PostCommentResponse{Comment: toProto(c)}, nil
}

func (h *handler) DeleteComment(ctx context.Context, req *comment.DeleteCommentRequest) (*comment.DeleteCommentResponse, error) {
	deleted, err := h.comments.Delete(ctx, req.UserId, req.VideoId, req.CommentId)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	h.log.InfoContext(ctx, "comment delete", "comment_id", req.CommentId, "by", req.UserId, "changed", deleted)
	return &comment.DeleteCommentResponse{}, nil
}

func (h *handler) ListComments(ctx context.Context, req *comment.ListCommentsRequest) (*comment.ListCommentsResponse, error) {
	list, err := h.comments.List(ctx, req.VideoId)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	return listToProto(list), nil
}

func listToProto(list []*biz.Comment) *comment.ListCommentsResponse {
	resp := &comment.ListCommentsResponse{Comments: make([]*comment.Comment, 0, len(list))}
	for _, c := range list {
		resp.Comments = append(resp.Comments, toProto(c))
	}
	return resp
}

func (h *handler) CountComments(ctx context.Context, req *comment.CountCommentsRequest) (*comment.CountCommentsResponse, error) {
	counts, err := h.comments.Counts(ctx, req.VideoIds)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	return &comment.CountCommentsResponse{CommentCounts: counts}, nil
}

func toProto(c *biz.Comment) *comment.Comment {
	return &comment.Comment{Id: c.ID, VideoId: c.VideoID, UserId: c.UserID, Content: c.Content,
		CreateTimeMs: c.CreatedAt.UnixMilli()}
}

// ListCommentsBatch answers several pages' ListComments, read together (one cache round trip).
func (h *handler) ListCommentsBatch(ctx context.Context, req *comment.ListCommentsBatchRequest) (*comment.ListCommentsBatchResponse, error) {
	videos, distinct, err := idbatch.QueryIDs(req.Queries, (*comment.ListCommentsRequest).GetVideoId)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	lists, err := h.comments.Lists(ctx, distinct)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	resp := &comment.ListCommentsBatchResponse{Answers: make([]*comment.ListCommentsResponse, len(videos))}
	for i, v := range videos {
		resp.Answers[i] = listToProto(lists[v])
	}
	return resp, nil
}
