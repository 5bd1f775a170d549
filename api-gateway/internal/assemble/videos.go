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

// Videos returns the videos as viewer sees them, in the given order; never nil. Authors (the five
// calls of Users), favorite counts with the viewer's likes, and comment counts are fetched in
// parallel: seven calls whatever the length of the page.
func (a *Assembler) Videos(ctx context.Context, viewer int64, videos []*video.Video) ([]*douyin.Video, error) {
	if len(videos) == 0 {
		return []*douyin.Video{}, nil
	}
	parts, err := inParallel(ctx, chunks(videos), func(ctx context.Context, batch []*video.Video) ([]*douyin.Video, error) {
		return a.videosBatch(ctx, viewer, batch)
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
	parts, err := inParallel(ctx, chunks(ids), func(ctx context.Context, batch []int64) ([]*video.Video, error) {
		resp, err := a.c.Video.MGetVideos(ctx, &video.MGetVideosRequest{VideoIds: batch})
		if err != nil {
			return nil, rpc.ClientError(err)
		}
		return resp.Videos, nil
	})
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*video.Video, len(ids))
	for _, part := range parts {
		for _, v := range part {
			byID[v.Id] = v
		}
	}
	// The order is the caller's; a video deleted since is left out.
	ordered := make([]*video.Video, 0, len(ids))
	for _, id := range ids {
		if v, ok := byID[id]; ok {
			ordered = append(ordered, v)
		}
	}
	return a.Videos(ctx, viewer, ordered)
}

// videosBatch is Videos for at most idbatch.Max videos.
func (a *Assembler) videosBatch(ctx context.Context, viewer int64, videos []*video.Video) ([]*douyin.Video, error) {
	out := make([]*douyin.Video, 0, len(videos))
	authorIDs := make([]int64, 0, len(videos))
	videoIDs := make([]int64, 0, len(videos))
	for _, v := range videos {
		authorIDs = append(authorIDs, v.AuthorId)
		videoIDs = append(videoIDs, v.Id)
	}
	videoIDs = idbatch.Unique(videoIDs)
	var (
		authors  map[int64]*douyin.User
		likes    map[int64]*favorite.VideoFavoriteStat
		comments map[int64]int64
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { // the authors are rows: a video is not shown without its author
		authors, err = a.Users(gctx, viewer, authorIDs)
		return err
	})
	a.decorate(gctx, g, "favorite.VideoStats", func(ctx context.Context) error {
		resp, err := a.c.Favorite.VideoStats(ctx, &favorite.VideoStatsRequest{ViewerId: viewer, VideoIds: videoIDs})
		if err != nil {
			return rpc.ClientError(err)
		}
		likes = resp.Stats
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
	for _, v := range videos {
		author, ok := authors[v.AuthorId]
		if !ok {
			a.log.WarnContext(ctx, "video without an existing author is left out", "video_id", v.Id, "author_id", v.AuthorId)
			continue
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
