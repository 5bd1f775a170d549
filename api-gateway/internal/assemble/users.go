package assemble

import (
	"context"

	"golang.org/x/sync/errgroup"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/relation"
	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/video"
	"simpletiktok/pkg/rpc"
)

// Users returns the users among ids that exist, as viewer sees them (viewer 0 = anonymous), keyed
// by id. It makes at most five calls, in parallel, whatever the number of ids up to a batch:
// profiles (the rows), then follow counts, "does viewer follow", favorite counts and work counts
// (decorations).
func (a *Assembler) Users(ctx context.Context, viewer int64, ids []int64) (map[int64]*douyin.User, error) {
	ids = idbatch.Unique(ids)
	if len(ids) == 0 {
		return map[int64]*douyin.User{}, nil
	}
	parts, err := inParallel(ctx, chunks(ids), func(ctx context.Context, batch []int64) (map[int64]*douyin.User, error) {
		return a.usersBatch(ctx, viewer, batch)
	})
	if err != nil {
		return nil, err
	}
	out := parts[0]
	for _, part := range parts[1:] {
		for id, u := range part {
			out[id] = u
		}
	}
	return out, nil
}

// usersBatch is Users for at most idbatch.Max distinct positive ids.
func (a *Assembler) usersBatch(ctx context.Context, viewer int64, ids []int64) (map[int64]*douyin.User, error) {
	out := make(map[int64]*douyin.User, len(ids))
	var (
		profiles  []*user.User
		relations map[int64]*relation.UserRelationStat
		following map[int64]bool
		favorites map[int64]*favorite.UserFavoriteStat
		works     map[int64]int64
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		resp, err := a.c.User.MGetUsers(gctx, &user.MGetUsersRequest{UserIds: ids})
		if err != nil {
			return rpc.ClientError(err)
		}
		profiles = resp.Users
		return nil
	})
	a.decorate(gctx, g, "relation.UserStats", func(ctx context.Context) error {
		resp, err := a.c.Relation.UserStats(ctx, &relation.UserStatsRequest{UserIds: ids})
		if err != nil {
			return rpc.ClientError(err)
		}
		relations = resp.Stats
		return nil
	})
	if viewer != 0 {
		a.decorate(gctx, g, "relation.IsFollowing", func(ctx context.Context) error {
			resp, err := a.c.Relation.IsFollowing(ctx, &relation.IsFollowingRequest{ViewerId: viewer, UserIds: ids})
			if err != nil {
				return rpc.ClientError(err)
			}
			following = resp.Following
			return nil
		})
	}
	a.decorate(gctx, g, "favorite.UserStats", func(ctx context.Context) error {
		resp, err := a.c.Favorite.UserStats(ctx, &favorite.UserStatsRequest{UserIds: ids})
		if err != nil {
			return rpc.ClientError(err)
		}
		favorites = resp.Stats
		return nil
	})
	a.decorate(gctx, g, "video.CountWorks", func(ctx context.Context) error {
		resp, err := a.c.Video.CountWorks(ctx, &video.CountWorksRequest{UserIds: ids})
		if err != nil {
			return rpc.ClientError(err)
		}
		works = resp.WorkCounts
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, p := range profiles {
		u := &douyin.User{
			Id:              p.Id,
			Name:            p.Name,
			Avatar:          a.media.URL(p.AvatarKey, DefaultAvatar),
			BackgroundImage: a.media.URL(p.BackgroundKey, DefaultCover),
			Signature:       p.Signature,
			IsFollow:        following[p.Id],
			WorkCount:       works[p.Id],
		}
		if r := relations[p.Id]; r != nil {
			u.FollowCount, u.FollowerCount = r.FollowCount, r.FollowerCount
		}
		if f := favorites[p.Id]; f != nil {
			u.FavoriteCount, u.TotalFavorited = f.FavoriteCount, f.TotalFavorited
		}
		out[p.Id] = u
	}
	return out, nil
}

// User returns one user as viewer sees them, or errno.UserNotFound.
func (a *Assembler) User(ctx context.Context, viewer, id int64) (*douyin.User, error) {
	users, err := a.Users(ctx, viewer, []int64{id})
	if err != nil {
		return nil, err
	}
	u, ok := users[id]
	if !ok {
		return nil, errno.UserNotFound
	}
	return u, nil
}

// UserList returns the users of ids in that order, skipping ids that no longer exist; never nil.
func (a *Assembler) UserList(ctx context.Context, viewer int64, ids []int64) ([]*douyin.User, error) {
	users, err := a.Users(ctx, viewer, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*douyin.User, 0, len(ids))
	for _, id := range idbatch.Unique(ids) {
		if u, ok := users[id]; ok {
			out = append(out, u)
		}
	}
	return out, nil
}
