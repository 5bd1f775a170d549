package assemble

import (
	"context"

	"golang.org/x/sync/errgroup"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/video"
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

// VideosByID returns the videos of ids that exist, in the order of ids, as viewer sees them. A
// batch whose authors the assembler keeps (KeepVideoAuthors) reads the videos' rows in parallel
// with their counts and flags: at most five calls, all at once. Any other reads the rows first
// (one batch read, which teaches it their authors), then does as Videos.
func (a *Assembler) VideosByID(ctx context.Context, viewer int64, ids []int64) ([]*douyin.Video, error) {
	ids = idbatch.Unique(ids)
	if len(ids) == 0 {
		return []*douyin.Video{}, nil
	}
	parts, err := inParallel(ctx, chunks(ids), func(ctx context.Context, batch []int64) ([]*douyin.Video, error) {
		return a.videosByIDBatch(ctx, viewer, batch)
	})
	if err != nil {
		return nil, err
	}
	return concat(parts), nil
}

// LikedVideos returns the videos of a favorite list as viewer sees them, in its order, leaving
// out those deleted since they were liked. A list the favorite service answered with its stats
// (ListFavorites with_stats: every video's author, the like counts with the viewer's likes, the
// authors' counts) asks for the rest of the page at once: the videos' rows, the authors' profiles
// not kept yet, their relation counts and the comment counts, at most four calls. Any other list
// (longer than one batch, or with a video whose author the service no longer knows) is VideosByID.
func (a *Assembler) LikedVideos(ctx context.Context, viewer int64, list *favorite.ListFavoritesAnswer) ([]*douyin.Video, error) {
	ids := list.GetVideoIds()
	if len(ids) == 0 || len(ids) > idbatch.Max || len(list.GetAuthorIds()) != len(ids) {
		return a.VideosByID(ctx, viewer, ids)
	}
	ids = idbatch.Unique(ids) // as the service lists them: each video once
	return a.showVideos(ctx, viewer, ids, idbatch.Unique(list.AuthorIds), rows{}, a.rowsOf(ids),
		&likeStats{videos: list.Videos, users: list.Users})
}

// videosByIDBatch is VideosByID for at most idbatch.Max distinct ids.
func (a *Assembler) videosByIDBatch(ctx context.Context, viewer int64, ids []int64) ([]*douyin.Video, error) {
	read := a.rowsOf(ids)
	kept, unknown := a.authors.GetMany(ids)
	if len(unknown) == 0 {
		authorIDs := make([]int64, 0, len(ids))
		for _, id := range ids {
			authorIDs = append(authorIDs, kept[id])
		}
		return a.showVideos(ctx, viewer, ids, idbatch.Unique(authorIDs), rows{}, read, nil)
	}
	r, err := read(ctx)
	if err != nil {
		return nil, err
	}
	for _, v := range r.videos {
		a.authors.Put(v.Id, v.AuthorId)
	}
	return a.videosBatch(ctx, viewer, r.videos, r.works)
}

// rowsOf returns the read of the rows of the videos of ids (at most idbatch.Max), in the order of
// ids, with their authors' work counts: one video.MGetVideos.
func (a *Assembler) rowsOf(ids []int64) func(context.Context) (rows, error) {
	return func(ctx context.Context) (rows, error) {
		resp, err := a.c.Reads.MGetVideos.Do(ctx, &video.MGetVideosRequest{VideoIds: ids})
		if err != nil {
			return rows{}, err
		}
		return rows{videos: inOrderOf(ids, resp.Videos), works: resp.WorkCounts}, nil
	}
}

// inOrderOf returns videos in the order of ids; an id without a video (deleted since it was
// listed) is left out.
func inOrderOf(ids []int64, videos []*video.Video) []*video.Video {
	byID := make(map[int64]*video.Video, len(videos))
	for _, v := range videos {
		byID[v.Id] = v
	}
	ordered := make([]*video.Video, 0, len(ids))
	for _, id := range ids {
		if v, ok := byID[id]; ok {
			ordered = append(ordered, v)
		}
	}
	return ordered
}

// rows are videos' rows with their authors' work counts, as the video service lists them.
type rows struct {
	videos []*video.Video
	works  map[int64]int64
}

// videosBatch is Videos for at most idbatch.Max videos.
func (a *Assembler) videosBatch(ctx context.Context, viewer int64, videos []*video.Video, works map[int64]int64) ([]*douyin.Video, error) {
	authorIDs := make([]int64, 0, len(videos))
	videoIDs := make([]int64, 0, len(videos))
	for _, v := range videos {
		authorIDs = append(authorIDs, v.AuthorId)
		videoIDs = append(videoIDs, v.Id)
	}
	return a.showVideos(ctx, viewer, idbatch.Unique(videoIDs), idbatch.Unique(authorIDs), rows{videos: videos, works: works}, nil, nil)
}

// likeStats is the favorite service's part of a page of videos: the videos' like counts with the
// viewer's likes, and the authors' counts.
type likeStats struct {
	videos map[int64]*favorite.VideoFavoriteStat
	users  map[int64]*favorite.UserFavoriteStat
}

// showVideos shows the videos of videoIDs, by authorIDs, as viewer sees them: it reads the
// authors' profiles and relation counts, the comment counts and, unless the page has them
// (known), the favorite counts, in parallel; and, when read is not nil, the rows themselves with
// them (r is then ignored).
func (a *Assembler) showVideos(ctx context.Context, viewer int64, videoIDs, authorIDs []int64, r rows,
	read func(context.Context) (rows, error), known *likeStats) ([]*douyin.Video, error) {
	var (
		authors  people
		likes    likeStats
		comments map[int64]int64
	)
	g, gctx := errgroup.WithContext(ctx)
	if read != nil {
		g.Go(func() (err error) {
			r, err = read(gctx)
			return err
		})
	}
	a.fetchPeople(gctx, g, viewer, authorIDs, &authors)
	if known != nil {
		likes = *known
	} else {
		a.decorate(gctx, g, "favorite.Stats", func(ctx context.Context) error {
			resp, err := a.c.Reads.FavoriteStats.Do(ctx, &favorite.StatsQuery{ViewerId: viewer, VideoIds: videoIDs, UserIds: authorIDs})
			if err != nil {
				return err
			}
			likes = likeStats{videos: resp.Videos, users: resp.Users}
			return nil
		})
	}
	a.decorate(gctx, g, "comment.CountComments", func(ctx context.Context) error {
		resp, err := a.c.Reads.CountComments.Do(ctx, &comment.CountCommentsRequest{VideoIds: videoIDs})
		if err != nil {
			return err
		}
		comments = resp.CommentCounts
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	authors.works, authors.likes = r.works, likes.users
	out := make([]*douyin.Video, 0, len(r.videos))
	shown := make(map[int64]*douyin.User, len(authorIDs))
	for _, v := range r.videos {
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
		if l := likes.videos[v.Id]; l != nil {
			dv.FavoriteCount, dv.IsFavorite = l.FavoriteCount, l.IsFavorite
		}
		out = append(out, dv)
	}
	return out, nil
}
