package assemble

import (
	"context"
	"maps"

	"golang.org/x/sync/errgroup"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/relation"
	"simpletiktok/pkg/kitex_gen/video"
)

// ViewerPart is what a page shows of one viewer: which of its videos the viewer likes, with
// their favorite counts, and which of its authors the viewer follows, with their follow counts.
// The zero value (an anonymous viewer) adds nothing.
type ViewerPart struct {
	likes   map[int64]*favorite.VideoFavoriteStat
	follows map[int64]*relation.UserRelationStat
}

// ViewerPartOf reads viewer's part of a page of videos: two calls, made in parallel, whatever
// the length of the page. It needs only the videos' ids and authors, so it can be read while the
// rest of the page is assembled.
func (a *Assembler) ViewerPartOf(ctx context.Context, viewer int64, videos []*video.Video) (ViewerPart, error) {
	if viewer == 0 || len(videos) == 0 {
		return ViewerPart{}, nil
	}
	parts, err := inParallel(ctx, chunks(videos), func(ctx context.Context, batch []*video.Video) (ViewerPart, error) {
		return a.viewerPartBatch(ctx, viewer, batch)
	})
	if err != nil {
		return ViewerPart{}, err
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	whole := ViewerPart{likes: map[int64]*favorite.VideoFavoriteStat{}, follows: map[int64]*relation.UserRelationStat{}}
	for _, p := range parts {
		maps.Copy(whole.likes, p.likes) // an answer's map may be nil: it decodes so when empty
		maps.Copy(whole.follows, p.follows)
	}
	return whole, nil
}

// viewerPartBatch is ViewerPartOf for at most idbatch.Max videos.
func (a *Assembler) viewerPartBatch(ctx context.Context, viewer int64, videos []*video.Video) (ViewerPart, error) {
	videoIDs := make([]int64, 0, len(videos))
	authorIDs := make([]int64, 0, len(videos))
	for _, v := range videos {
		videoIDs = append(videoIDs, v.Id)
		authorIDs = append(authorIDs, v.AuthorId)
	}
	videoIDs, authorIDs = idbatch.Unique(videoIDs), idbatch.Unique(authorIDs)
	p := ViewerPart{likes: map[int64]*favorite.VideoFavoriteStat{}, follows: map[int64]*relation.UserRelationStat{}}
	g, gctx := errgroup.WithContext(ctx)
	a.decorate(gctx, g, "favorite.Stats", func(ctx context.Context) error {
		resp, err := a.c.Reads.FavoriteStats.Do(ctx, &favorite.StatsQuery{ViewerId: viewer, VideoIds: videoIDs})
		if err != nil {
			return err
		}
		p.likes = resp.Videos
		return nil
	})
	a.decorate(gctx, g, "relation.UserStats", func(ctx context.Context) error {
		resp, err := a.c.Reads.UserStats.Do(ctx, &relation.UserStatsQuery{UserIds: authorIDs, ViewerId: viewer})
		if err != nil {
			return err
		}
		p.follows = resp.Stats
		return nil
	})
	if err := g.Wait(); err != nil {
		return ViewerPart{}, err
	}
	return p, nil
}

// SeenWith returns videos, a page assembled for anyone (viewer 0), with a viewer's part: the
// viewer's flags, and the counts read with them. The page may be shared with other requests: it
// is never changed. The videos and authors the part changes are new objects; a part a failed call
// could not bring leaves the page's own counts, with the flags false, as the policy allows.
func SeenWith(videos []*douyin.Video, p ViewerPart) []*douyin.Video {
	if p.likes == nil && p.follows == nil {
		return videos
	}
	authors := make(map[int64]*douyin.User)
	out := make([]*douyin.Video, len(videos))
	for i, v := range videos {
		author, ok := authors[v.Author.GetId()]
		if !ok {
			author = v.Author
			if r := p.follows[author.GetId()]; r != nil {
				author = copyUser(author)
				author.FollowCount, author.FollowerCount, author.IsFollow = r.FollowCount, r.FollowerCount, r.IsFollow
			}
			authors[v.Author.GetId()] = author
		}
		seen := copyVideo(v)
		seen.Author = author
		if l := p.likes[v.Id]; l != nil {
			seen.FavoriteCount, seen.IsFavorite = l.FavoriteCount, l.IsFavorite
		}
		out[i] = seen
	}
	return out
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
