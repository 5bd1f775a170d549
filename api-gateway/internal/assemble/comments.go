package assemble

import (
	"context"
	"time"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/kitex_gen/message"
)

// Comments shows the comments with their authors as viewer sees them, in the given order, from
// the four calls of Users whatever their number; never nil. A comment whose author no longer
// exists is left out.
func (a *Assembler) Comments(ctx context.Context, viewer int64, list []*comment.Comment) ([]*douyin.Comment, error) {
	ids := make([]int64, 0, len(list))
	for _, cm := range list {
		ids = append(ids, cm.UserId)
	}
	users, err := a.Users(ctx, viewer, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*douyin.Comment, 0, len(list))
	for _, cm := range list {
		u, ok := users[cm.UserId]
		if !ok {
			a.log.WarnContext(ctx, "comment without an existing author is left out", "comment_id", cm.Id, "user_id", cm.UserId)
			continue
		}
		out = append(out, a.Comment(cm, u))
	}
	return out, nil
}

// Comment shows one comment by author, dated ("MM-DD") in the assembler's zone.
func (a *Assembler) Comment(cm *comment.Comment, author *douyin.User) *douyin.Comment {
	return &douyin.Comment{Id: cm.Id, User: author, Content: cm.Content,
		CreateDate: time.UnixMilli(cm.CreateTimeMs).In(a.zone).Format("01-02")}
}

// Messages shows chat messages as the phone reads them, in the given order; never nil. They need
// no other service.
func (a *Assembler) Messages(msgs []*message.Message) []*douyin.Message {
	out := make([]*douyin.Message, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, &douyin.Message{Id: m.Id, ToUserId: m.ToUserId, FromUserId: m.FromUserId,
			Content: m.Content, CreateTime: m.CreateTimeMs})
	}
	return out
}
