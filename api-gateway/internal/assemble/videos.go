package assemble

import (
	"context"

	"golang.org/x/sync/errgroup"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/video"
	"simpletiktok/pkg/rpc"
)

// Videos returns the videos as viewer sees them, in the given order; never nil. works holds the
// authors' work counts, which the video service sends with every list of videos. The authors'
// profiles (those not kept yet), their relation counts with the viewer's follows, the favorite
// counts of videos and authors with the viewer's likes, and the comment counts are fetched in
// parallel: at most four calls whatever the length of the page.
func (a *Assembler) Videos(ctx context.Context, viewer int64, videos []*video.Video, works map[int64]int64) ([]*douyin.Video, error) {
	if len(videos) == 0 {
		return []*douyin.Video{}, nil
	}
	parts, err := inParallel(ctx, chunks(videos), func(ctx context.Context, batch []*video.Video) ([]*douyin.Video, error) {
		return a.videosBatch(ctx, viewer, batch, works)
	})
	if err != nil {
		return nil, err
	}
	return concat(parts), nil
}

// VideosByID returns the videos of ids that exist, in the order of ids, as viewer sees them: one
// batch read of the videos, then Videos.
func (a *Assembler) VideosByID(ctx context.Context, viewer int64, ids []int64) ([]*douyin.Video, error) {
	ids = idbatch.Unique(ids)
	if len(ids) == 0 {
		return []*douyin.Video{}, nil
	}
	parts, err := inParallel(ctx, chunks(ids), func(ctx context.Context, batch []int64) (*video.MGetVideosResponse, error) {
		resp, err := a.c.Video.MGetVideos(ctx, &video.MGetVideosRequest{VideoIds: batch})
		if err != nil {
			return nil, rpc.ClientError(err)
		}
		return resp, nil
	})
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*video.Video, len(ids))
	works := make(map[int64]int64)
	for _, part := range parts {
		for _, v := range part.Videos {
			byID[v.Id] = v
		}
		for author, n := range part.WorkCounts {
			works[author] = n
		}
	}
	// The order is the caller's; a video deleted since is left out.
	ordered := make([]*video.Video, 0, len(ids))
	for _, id := range ids {
		if v, ok := byID[id]; ok {
			ordered = append(ordered, v)
		}
	}
	return a.Videos(ctx, viewer, ordered, works)
}

// videosBatch is Videos for at most idbatch.Max videos.
func (a *Assembler) videosBatch(ctx context.Context, viewer int64, videos []*video.Video, works map[int64]int64) ([]*douyin.Video, error) {
	authorIDs := make([]int64, 0, len(videos))
	videoIDs := make([]int64, 0, len(videos))
	for _, v := range videos {
		authorIDs = append(authorIDs, v.AuthorId)
		videoIDs = append(videoIDs, v.Id)
	}
	authorIDs, videoIDs = idbatch.Unique(authorIDs), idbatch.Unique(videoIDs)
	authors := people{works: works}
	var (
		likes    map[int64]*favorite.VideoFavoriteStat
		comments map[int64]int64
	)
	g, gctx := errgroup.WithContext(ctx)
	a.fetchPeople(gctx, g, viewer, authorIDs, &authors)
	a.decorate(gctx, g, "favorite.Stats", func(ctx context.Context) error {
		resp, err := a.c.Favorite.Stats(ctx, &favorite.StatsRequest{ViewerId: viewer, VideoIds: videoIDs, UserIds: authorIDs})
		if err != nil {
			return rpc.ClientError(err)
		}
		likes, authors.likes = resp.Videos, resp.Users
		return nil
	})
	a.decorate(gctx, g, "comment.CountComments", func(ctx context.Context) error {
		resp, err := a.c.Comment.CountComments(ctx, &comment.CountCommentsRequest{VideoIds: videoIDs})
		if err != nil {
			return rpc.ClientError(err)
		}
		comments = resp.CommentCounts
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make([]*douyin.Video, 0, len(videos))
	shown := make(map[int64]*douyin.User, len(authorIDs))
	for _, v := range videos {
		author, ok := shown[v.AuthorId]
		if !ok {
			if author, ok = a.user(&authors, v.AuthorId); !ok {
				a.log.WarnContext(ctx, "video without an existing author is left out", "video_id", v.Id, "author_id", v.AuthorId)
				continue
			}
			shown[v.AuthorId] = author
		}
		dv := &douyin.Video{
			Id:           v.Id,
			Author:       author,
			PlayUrl:      a.media.URL(v.PlayKey, ""),
			CoverUrl:     a.media.URL(v.CoverKey, DefaultCover),
			CommentCount: comments[v.Id],
			Title:        v.Title,
		}
		if l := likes[v.Id]; l != nil {
			dv.FavoriteCount, dv.IsFavorite = l.FavoriteCount, l.IsFavorite
		}
		out = append(out, dv)
	}
	return out, nil
}
