package application

import (
	"context"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/rpc"
)

// PostComment posts text on videoID as viewer and shows the new comment. The author is shown
// first and the comment posted second: once a comment is stored, the answer cannot fail for want
// of its author, which would invite the phone to post it again. requestKey ("" for none) makes a
// repeated post answer the comment the key made; without one, the comment service answers a post
// repeated within its window with the first. Either way a post is idempotent, so one whose
// outcome is unknown is sent again.
func (a *App) PostComment(ctx context.Context, viewer, videoID int64, text, requestKey string) (*douyin.Comment, error) {
	author, err := a.pages.User(ctx, viewer, viewer)
	if err != nil {
		return nil, err
	}
	req := &comment.PostCommentRequest{UserId: viewer, VideoId: videoID, Content: text, RequestKey: requestKey}
	posted, err := write(ctx, a, rpc.CommentService, rpc.Idempotent, func(ctx context.Context) (*comment.PostCommentResponse, error) {
		return a.clients.Comment.PostComment(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	a.events.Commented(true)
	return a.pages.Comment(posted.Comment, author), nil
}

// DeleteComment deletes commentID of videoID as viewer. Who may delete, and what a repeated
// delete answers, is the comment service's rule; its answer is passed on unchanged.
func (a *App) DeleteComment(ctx context.Context, viewer, videoID, commentID int64) error {
	req := &comment.DeleteCommentRequest{UserId: viewer, VideoId: videoID, CommentId: commentID}
	_, err := write(ctx, a, rpc.CommentService, rpc.Idempotent, func(ctx context.Context) (*comment.DeleteCommentResponse, error) {
		return a.clients.Comment.DeleteComment(ctx, req)
	})
	if err != nil {
		return err
	}
	a.events.Commented(false)
	return nil
}

// CommentList shows the comments of videoID, newest first, with their authors as viewer sees them.
func (a *App) CommentList(ctx context.Context, viewer, videoID int64) ([]*douyin.Comment, error) {
	list, err := a.clients.Reads.ListComments.Do(ctx, &comment.ListCommentsQuery{VideoId: videoID})
	if err != nil {
		return nil, err
	}
	return a.pages.Comments(ctx, viewer, list.Comments)
}
