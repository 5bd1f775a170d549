package assemble

import (
	"context"

	"golang.org/x/sync/errgroup"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/video"
)

// Videos returns the videos as viewer sees them, in the given order; never nil. Authors (the five
// calls of Users), favorite counts with the viewer's likes, and comment counts are fetched in
// parallel: seven calls whatever the length of the page.
func (a *Assembler) Videos(ctx context.Context, viewer int64, videos []*video.Video) ([]*douyin.Video, error) {
	out := make([]*douyin.Video, 0, len(videos))
	if len(videos) == 0 {
		return out, nil
	}
	authorIDs := make([]int64, 0, len(videos))
	videoIDs := make([]int64, 0, len(videos))
	for _, v := range videos {
		authorIDs = append(authorIDs, v.AuthorId)
		videoIDs = append(videoIDs, v.Id)
	}
	videoIDs = uniquePositive(videoIDs)
	var (
		authors  map[int64]*douyin.User
		likes    map[int64]*favorite.VideoFavoriteStat
		comments map[int64]int64
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		authors, err = a.Users(gctx, viewer, authorIDs)
		return err
	})
	g.Go(func() error {
		resp, err := a.c.Favorite.VideoStats(gctx, &favorite.VideoStatsRequest{ViewerId: viewer, VideoIds: videoIDs})
		if err == nil {
			likes = resp.Stats
		}
		return countsOf(err)
	})
	g.Go(func() error {
		resp, err := a.c.Comment.CountComments(gctx, &comment.CountCommentsRequest{VideoIds: videoIDs})
		if err == nil {
			comments = resp.CommentCounts
		}
		return countsOf(err)
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
