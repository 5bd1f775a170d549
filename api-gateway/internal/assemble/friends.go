package assemble

import (
	"context"

	"golang.org/x/sync/errgroup"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/kitex_gen/message"
)

// Message directions of a FriendUser, as the contract names them from the caller's side.
const (
	MsgReceived int64 = 0
	MsgSent     int64 = 1
)

// Friends returns the users of ids that exist, in that order, as viewer sees them, each with the
// latest message between viewer and them ("" when none). The calls of Users and the message
// service's batch read run in parallel: five calls whatever the number of friends.
func (a *Assembler) Friends(ctx context.Context, viewer int64, ids []int64, known Known) ([]*douyin.FriendUser, error) {
	ids = idbatch.Unique(ids)
	if len(ids) == 0 {
		return []*douyin.FriendUser{}, nil
	}
	parts, err := inParallel(ctx, chunks(ids), func(ctx context.Context, batch []int64) ([]*douyin.FriendUser, error) {
		return a.friendsBatch(ctx, viewer, batch, known)
	})
	if err != nil {
		return nil, err
	}
	return concat(parts), nil
}

// friendsBatch is Friends for at most idbatch.Max distinct positive ids.
func (a *Assembler) friendsBatch(ctx context.Context, viewer int64, ids []int64, known Known) ([]*douyin.FriendUser, error) {
	out := make([]*douyin.FriendUser, 0, len(ids))
	var (
		users  map[int64]*douyin.User
		latest map[int64]*message.Message
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		users, err = a.usersKnowing(gctx, viewer, ids, known)
		return err
	})
	if viewer != 0 {
		a.decorate(gctx, g, "message.LatestMessages", func(ctx context.Context) error {
			resp, err := a.c.Reads.LatestMessages.Do(ctx, &message.LatestMessagesQuery{UserId: viewer, PeerIds: ids})
			if err != nil {
				return err
			}
			latest = resp.Latest
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		u, ok := users[id]
		if !ok {
			continue
		}
		f := &douyin.FriendUser{
			Id:              u.Id,
			Name:            u.Name,
			FollowCount:     u.FollowCount,
			FollowerCount:   u.FollowerCount,
			IsFollow:        u.IsFollow,
			Avatar:          u.Avatar,
			BackgroundImage: u.BackgroundImage,
			Signature:       u.Signature,
			TotalFavorited:  u.TotalFavorited,
			WorkCount:       u.WorkCount,
			FavoriteCount:   u.FavoriteCount,
			MsgType:         MsgReceived,
		}
		if m := latest[id]; m != nil {
			f.Message = m.Content
			if m.FromUserId == viewer {
				f.MsgType = MsgSent
			}
		}
		out = append(out, f)
	}
	return out, nil
}
