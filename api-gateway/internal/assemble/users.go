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
)

// people is what a page shows of its users, each part from the service that owns it. A part a
// decorating call could not bring is empty, and its counts and flags show zero.
type people struct {
	profiles  map[int64]*user.User
	relations map[int64]*relation.UserRelationStat // with the viewer's is_follow
	likes     map[int64]*favorite.UserFavoriteStat
	works     map[int64]int64
}

// Users returns the users among ids that exist, as viewer sees them (viewer 0 = anonymous), keyed
// by id. It asks each service once, in parallel, whatever the number of ids up to a batch: the
// profiles the assembler does not keep yet (the rows), the relation counts with the viewer's
// follows, the favorite counts and the work counts (decorations).
func (a *Assembler) Users(ctx context.Context, viewer int64, ids []int64) (map[int64]*douyin.User, error) {
	return a.usersKnowing(ctx, viewer, ids, Known{})
}

// Known is what a page already has of its users from the call that listed them: a relation list
// sends their relation counts with the viewer's follows. A batch of users that Known covers whole
// makes no relation.UserStats call; any other asks it as usual.
type Known struct {
	Relations map[int64]*relation.UserRelationStat
}

// relationsOf returns the known relation stats of ids, or nil unless every id has them.
func (k Known) relationsOf(ids []int64) map[int64]*relation.UserRelationStat {
	for _, id := range ids {
		if k.Relations[id] == nil {
			return nil
		}
	}
	return k.Relations
}

// usersKnowing is Users with what the page already knows.
func (a *Assembler) usersKnowing(ctx context.Context, viewer int64, ids []int64, known Known) (map[int64]*douyin.User, error) {
	ids = idbatch.Unique(ids)
	if len(ids) == 0 {
		return map[int64]*douyin.User{}, nil
	}
	parts, err := inParallel(ctx, chunks(ids), func(ctx context.Context, batch []int64) (map[int64]*douyin.User, error) {
		return a.usersBatch(ctx, viewer, batch, known)
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
func (a *Assembler) usersBatch(ctx context.Context, viewer int64, ids []int64, known Known) (map[int64]*douyin.User, error) {
	p := people{relations: known.relationsOf(ids)}
	g, gctx := errgroup.WithContext(ctx)
	a.fetchPeople(gctx, g, viewer, ids, &p, newRiders(nil))
	a.decorate(gctx, g, "favorite.Stats", func(ctx context.Context) error {
		resp, err := a.c.Reads.FavoriteStats.Do(ctx, &favorite.StatsQuery{UserIds: ids})
		if err != nil {
			return err
		}
		p.likes = resp.Users
		return nil
	})
	a.decorate(gctx, g, "video.CountWorks", func(ctx context.Context) error {
		resp, err := a.c.Reads.CountWorks.Do(ctx, &video.CountWorksRequest{UserIds: ids})
		if err != nil {
			return err
		}
		p.works = resp.WorkCounts
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make(map[int64]*douyin.User, len(ids))
	for _, id := range ids {
		if u, ok := a.user(&p, id); ok {
			out[id] = u
		}
	}
	return out, nil
}

// fetchPeople starts in g the calls for the profiles of ids (rows) and, unless p has them, their
// relation counts with viewer's follows (a decoration), into p, with the riders' follows among
// them. The favorite counts and work counts are left to the caller, which may have them already
// or ask for them with other parts of its page.
func (a *Assembler) fetchPeople(ctx context.Context, g *errgroup.Group, viewer int64, ids []int64, p *people, r *riders) {
	g.Go(func() (err error) {
		p.profiles, err = a.profilesOf(ctx, ids)
		return err
	})
	if p.relations != nil {
		return
	}
	a.decorate(ctx, g, "relation.UserStats", func(ctx context.Context) error {
		qs := append([]*relation.UserStatsQuery{{UserIds: ids, ViewerId: viewer}}, r.followQueries(ids)...)
		answers, errs := a.c.Reads.UserStats.DoAll(ctx, qs)
		r.tookFollows(answers[1:], errs[1:])
		if errs[0] != nil {
			return errs[0]
		}
		p.relations = answers[0].Stats
		return nil
	})
}

// profilesOf returns the profiles of the ids that exist: those the assembler keeps, and one
// user.MGetUsers for the rest (kept for the next page). A user who does not exist is asked again
// each time: it may be registered later.
func (a *Assembler) profilesOf(ctx context.Context, ids []int64) (map[int64]*user.User, error) {
	out, missing := a.profiles.GetMany(ids)
	if len(missing) == 0 {
		return out, nil
	}
	resp, err := a.c.Reads.MGetUsers.Do(ctx, &user.MGetUsersRequest{UserIds: missing})
	if err != nil {
		return nil, err
	}
	for _, p := range resp.Users {
		a.profiles.Put(p.Id, p)
		out[p.Id] = p
	}
	return out, nil
}

// user shows the user id from the parts of p, if the user exists.
func (a *Assembler) user(p *people, id int64) (*douyin.User, bool) {
	profile, ok := p.profiles[id]
	if !ok {
		return nil, false
	}
	u := &douyin.User{
		Id:              profile.Id,
		Name:            profile.Name,
		Avatar:          a.media.URL(profile.AvatarKey, DefaultAvatar),
		BackgroundImage: a.media.URL(profile.BackgroundKey, DefaultCover),
		Signature:       profile.Signature,
		WorkCount:       p.works[id],
	}
	if r := p.relations[id]; r != nil {
		u.FollowCount, u.FollowerCount, u.IsFollow = r.FollowCount, r.FollowerCount, r.IsFollow
	}
	if f := p.likes[id]; f != nil {
		u.FavoriteCount, u.TotalFavorited = f.FavoriteCount, f.TotalFavorited
	}
	return u, true
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
// known is what the list's call sent of them.
func (a *Assembler) UserList(ctx context.Context, viewer int64, ids []int64, known Known) ([]*douyin.User, error) {
	users, err := a.usersKnowing(ctx, viewer, ids, known)
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
