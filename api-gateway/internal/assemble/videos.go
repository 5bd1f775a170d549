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

// Listed is a page of videos as the call that listed it answered: the feed and a publish list
// bring the videos' rows (with their authors' work counts); a favorite list brings the ids, their
// authors and the favorite service's part of the page (the like counts with the viewer's likes,
// and the authors' counts). Videos reads the rest.
type Listed struct {
	rows   []*video.Video
	works  map[int64]int64
	ids    []int64 // the videos, in page order: of rows, or as the favorite list gives them
	byWho  []int64 // byWho[i] wrote ids[i]
	likes  *likeStats
	listed bool // rows is the page (false: the rows are read with the rest)
}

// Rows is a page listed with its rows: the feed, a publish list.
func Rows(videos []*video.Video, works map[int64]int64) Listed {
	l := Listed{rows: videos, works: works, listed: true}
	for _, v := range videos {
		l.ids, l.byWho = append(l.ids, v.Id), append(l.byWho, v.AuthorId)
	}
	return l
}

// Liked is a favorite list, as the favorite service answers it.
func Liked(list *favorite.ListFavoritesAnswer) Listed {
	return Listed{ids: list.VideoIds, byWho: list.AuthorIds, likes: &likeStats{videos: list.Videos, users: list.Users}}
}

// part is the page's videos from i to j, for a batch of their own.
func (l Listed) part(i, j int) Listed {
	p := l
	p.ids, p.byWho = l.ids[i:j], l.byWho[i:j]
	if l.listed {
		p.rows = l.rows[i:j]
	}
	return p
}

// likeStats is the favorite service's part of a page of videos: the videos' like counts with the
// viewer's likes, and the authors' counts.
type likeStats struct {
	videos map[int64]*favorite.VideoFavoriteStat
	users  map[int64]*favorite.UserFavoriteStat
}

// Videos shows a page of videos as viewer sees them, in its order; never nil. It reads in one
// round, in parallel, what the listing call did not bring: the rows (for a favorite list), the
// authors' profiles (those not kept) and relation counts with the viewer's follows, the favorite
// counts with the viewer's likes (for a feed or publish list), and the comment counts. A page
// longer than one batch (idbatch.Max) is read as several batches at once. A video deleted since it
// was listed, or whose author no longer exists, is left out.
func (a *Assembler) Videos(ctx context.Context, viewer int64, l Listed) ([]*douyin.Video, error) {
	return a.videos(ctx, viewer, l, nil)
}

// ForAnyoneWith shows a page listed with its rows (Rows) as anyone sees it (Videos for viewer 0)
// and, in the same calls, the part of each of viewers (parts[i] is viewers[i]'s, for SeenBy): the
// page's favorite.Stats and relation.UserStats carry one query more per viewer, not one call more.
// The shared newest page of the feed is assembled so (application.ShareNewestFeed).
func (a *Assembler) ForAnyoneWith(ctx context.Context, l Listed, viewers []int64) (page []*douyin.Video, parts []ViewerPart, err error) {
	var batches []*riders
	page, err = a.videos(ctx, 0, l, func() *riders {
		r := newRiders(viewers)
		batches = append(batches, r)
		return r
	})
	if err != nil {
		return nil, nil, err
	}
	return page, joined(len(viewers), batches), nil
}

// videos is Videos, with the riders of each batch, when ride is set, from ride (called once per
// batch, in order, before the batches are read).
func (a *Assembler) videos(ctx context.Context, viewer int64, l Listed, ride func() *riders) ([]*douyin.Video, error) {
	type batch struct {
		l Listed
		r *riders
	}
	var batches []batch
	for i := 0; i < len(l.ids); i += idbatch.Max {
		b := batch{l.part(i, min(i+idbatch.Max, len(l.ids))), newRiders(nil)}
		if ride != nil {
			b.r = ride()
		}
		batches = append(batches, b)
	}
	pages, err := inParallel(ctx, batches, func(ctx context.Context, b batch) ([]*douyin.Video, error) {
		return a.videosBatch(ctx, viewer, b.l, b.r)
	})
	if err != nil {
		return nil, err
	}
	return concat(pages), nil
}

// videosBatch is Videos for at most idbatch.Max videos, with the riders' parts read in its calls.
func (a *Assembler) videosBatch(ctx context.Context, viewer int64, l Listed, r *riders) ([]*douyin.Video, error) {
	var (
		authors  people
		likes    likeStats
		comments map[int64]int64
	)
	videoIDs, authorIDs := idbatch.Unique(l.ids), idbatch.Unique(l.byWho)
	g, gctx := errgroup.WithContext(ctx)
	if !l.listed {
		g.Go(func() error {
			resp, err := a.c.Reads.MGetVideos.Do(gctx, &video.MGetVideosRequest{VideoIds: videoIDs})
			l.rows, l.works = inOrderOf(videoIDs, resp.GetVideos()), resp.GetWorkCounts()
			return err
		})
	}
	a.fetchPeople(gctx, g, viewer, authorIDs, &authors, r)
	if l.likes != nil {
		likes = *l.likes
	} else {
		a.decorate(gctx, g, "favorite.Stats", func(ctx context.Context) error {
			qs := append([]*favorite.StatsQuery{{ViewerId: viewer, VideoIds: videoIDs, UserIds: authorIDs}}, r.likeQueries(videoIDs)...)
			answers, errs := a.c.Reads.FavoriteStats.DoAll(ctx, qs)
			r.tookLikes(answers[1:], errs[1:])
			if errs[0] != nil {
				return errs[0]
			}
			likes = likeStats{videos: answers[0].Videos, users: answers[0].Users}
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
	authors.works, authors.likes = l.works, likes.users
	out := make([]*douyin.Video, 0, len(l.rows))
	shown := make(map[int64]*douyin.User, len(authorIDs))
	for _, v := range l.rows {
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
