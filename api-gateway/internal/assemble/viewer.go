package assemble

import (
	"context"

	"golang.org/x/sync/errgroup"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/relation"
	"simpletiktok/pkg/rpc"
)

// SeenBy returns videos, a page assembled for anyone (viewer 0), as viewer sees it. Only the
// viewer's part is read: which of the videos viewer likes, with their favorite counts, and which
// of the authors viewer follows, with their follow counts. Two calls, made in parallel, whatever
// the length of the page; the rest of the page (the videos, the profiles, the other counts) is
// taken as it is.
//
// The page may be shared with other requests: it is never changed. The videos and authors whose
// flags or counts the calls bring are new objects; a decorating call that fails leaves the page's
// own counts, with the flags false, as the policy allows.
func (a *Assembler) SeenBy(ctx context.Context, viewer int64, videos []*douyin.Video) ([]*douyin.Video, error) {
	if viewer == 0 || len(videos) == 0 {
		return videos, nil
	}
	parts, err := inParallel(ctx, chunks(videos), func(ctx context.Context, batch []*douyin.Video) ([]*douyin.Video, error) {
		return a.seenByBatch(ctx, viewer, batch)
	})
	if err != nil {
		return nil, err
	}
	return concat(parts), nil
}

// seenByBatch is SeenBy for at most idbatch.Max videos.
func (a *Assembler) seenByBatch(ctx context.Context, viewer int64, videos []*douyin.Video) ([]*douyin.Video, error) {
	videoIDs := make([]int64, 0, len(videos))
	authorIDs := make([]int64, 0, len(videos))
	for _, v := range videos {
		videoIDs = append(videoIDs, v.Id)
		authorIDs = append(authorIDs, v.Author.GetId())
	}
	videoIDs, authorIDs = idbatch.Unique(videoIDs), idbatch.Unique(authorIDs)
	var (
		likes   map[int64]*favorite.VideoFavoriteStat
		follows map[int64]*relation.UserRelationStat
	)
	g, gctx := errgroup.WithContext(ctx)
	a.decorate(gctx, g, "favorite.Stats", func(ctx context.Context) error {
		resp, err := a.c.Favorite.Stats(ctx, &favorite.StatsRequest{ViewerId: viewer, VideoIds: videoIDs})
		if err != nil {
			return rpc.ClientError(err)
		}
		likes = resp.Videos
		return nil
	})
	a.decorate(gctx, g, "relation.UserStats", func(ctx context.Context) error {
		resp, err := a.c.Relation.UserStats(ctx, &relation.UserStatsRequest{UserIds: authorIDs, ViewerId: viewer})
		if err != nil {
			return rpc.ClientError(err)
		}
		follows = resp.Stats
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	authors := make(map[int64]*douyin.User, len(authorIDs))
	out := make([]*douyin.Video, len(videos))
	for i, v := range videos {
		author, ok := authors[v.Author.GetId()]
		if !ok {
			author = v.Author
			if r := follows[author.GetId()]; r != nil {
				author = copyUser(author)
				author.FollowCount, author.FollowerCount, author.IsFollow = r.FollowCount, r.FollowerCount, r.IsFollow
			}
			authors[v.Author.GetId()] = author
		}
		seen := copyVideo(v)
		seen.Author = author
		if l := likes[v.Id]; l != nil {
			seen.FavoriteCount, seen.IsFavorite = l.FavoriteCount, l.IsFavorite
		}
		out[i] = seen
	}
	return out, nil
}

// copyVideo and copyUser copy the fields of the phone's objects (protobuf messages are not copied
// by value). A test checks that they copy every field.
func copyVideo(v *douyin.Video) *douyin.Video {
	return &douyin.Video{
		Id:            v.Id,
		Author:        v.Author,
		PlayUrl:       v.PlayUrl,
		CoverUrl:      v.CoverUrl,
		FavoriteCount: v.FavoriteCount,
		CommentCount:  v.CommentCount,
		IsFavorite:    v.IsFavorite,
		Title:         v.Title,
	}
}

func copyUser(u *douyin.User) *douyin.User {
	return &douyin.User{
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
	}
}
