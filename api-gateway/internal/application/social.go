package application

import (
	"context"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/merge"
	"simpletiktok/pkg/kitex_gen/message"
	"simpletiktok/pkg/kitex_gen/relation"
	"simpletiktok/pkg/rpc"
)

// RelationAction makes viewer follow or unfollow to; both are idempotent (the service's rule).
func (a *App) RelationAction(ctx context.Context, viewer, to int64, action relation.RelationAction) error {
	req := &relation.RelationActionRequest{UserId: viewer, ToUserId: to, Action: action}
	_, err := write(ctx, a, rpc.RelationService, rpc.Idempotent, func(ctx context.Context) (*relation.RelationActionResponse, error) {
		return a.clients.Relation.RelationAction(ctx, req)
	})
	if err != nil {
		return err
	}
	a.events.Followed(action == relation.RelationAction_FOLLOW)
	return nil
}

// FollowList shows whom userID follows, newest first, as viewer sees them.
func (a *App) FollowList(ctx context.Context, viewer, userID int64) ([]*douyin.User, error) {
	return a.userList(ctx, viewer, userID, a.clients.Reads.ListFollowing)
}

// FollowerList shows who follows userID, newest first, as viewer sees them.
func (a *App) FollowerList(ctx context.Context, viewer, userID int64) ([]*douyin.User, error) {
	return a.userList(ctx, viewer, userID, a.clients.Reads.ListFollowers)
}

// FriendList shows the mutual follows of userID, each with the latest message between viewer and
// them.
func (a *App) FriendList(ctx context.Context, viewer, userID int64) ([]*douyin.FriendUser, error) {
	ids, known, err := relationList(ctx, viewer, userID, a.clients.Reads.ListFriends)
	if err != nil {
		return nil, err
	}
	return a.pages.Friends(ctx, viewer, ids, known)
}

// listRead is the read of one kind of relation list.
type listRead = *merge.Read[*relation.ListQuery, *relation.ListAnswer]

func (a *App) userList(ctx context.Context, viewer, userID int64, list listRead) ([]*douyin.User, error) {
	ids, known, err := relationList(ctx, viewer, userID, list)
	if err != nil {
		return nil, err
	}
	return a.pages.UserList(ctx, viewer, ids, known)
}

// relationList reads one of userID's lists, with what the relation service shows of its users to
// viewer (their counts and viewer's follows), so that the page need not ask for them again.
func relationList(ctx context.Context, viewer, userID int64, list listRead) ([]int64, assemble.Known, error) {
	resp, err := list.Do(ctx, &relation.ListQuery{UserId: userID, ViewerId: viewer})
	if err != nil {
		return nil, assemble.Known{}, err
	}
	return resp.UserIds, assemble.Known{Relations: resp.Stats}, nil
}

// Chat shows the messages between viewer and peer, both ways, newer than afterMs, oldest first.
// viewer is always one of the two, so nobody reads someone else's conversation.
func (a *App) Chat(ctx context.Context, viewer, peer, afterMs int64) ([]*douyin.Message, error) {
	chat, err := a.clients.Reads.Chat.Do(ctx, &message.ChatRequest{UserId: viewer, PeerId: peer, PreMsgTimeMs: afterMs})
	if err != nil {
		return nil, err
	}
	return a.pages.Messages(chat.Messages), nil
}

// SendMessage sends content from viewer to to; requestKey ("" for none), or else the same text
// within the message service's repeat window, makes a repeated send store nothing new, so a send
// whose outcome is unknown is sent again.
func (a *App) SendMessage(ctx context.Context, viewer, to int64, content, requestKey string) error {
	req := &message.SendMessageRequest{FromUserId: viewer, ToUserId: to, Content: content, RequestKey: requestKey}
	_, err := write(ctx, a, rpc.MessageService, rpc.Idempotent, func(ctx context.Context) (*message.SendMessageResponse, error) {
		return a.clients.Message.SendMessage(ctx, req)
	})
	if err != nil {
		return err
	}
	a.events.MessageSent()
	return nil
}
