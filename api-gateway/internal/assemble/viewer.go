package assemble

import (
	"cmp"
	"context"
	"maps"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/degrade"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/relation"
)

// ViewerPart is what a page shows of one viewer: which of its videos the viewer likes, with
// their favorite counts, and which of its authors the viewer follows, with their follow counts.
// The zero value (an anonymous viewer) adds nothing. A part a call could not bring is empty, and
// keeps that call's error for the viewer's request to note (SeenBy).
type ViewerPart struct {
	likes      map[int64]*favorite.VideoFavoriteStat
	follows    map[int64]*relation.UserRelationStat
	likesErr   error // favorite.Stats failed
	followsErr error // relation.UserStats failed
}

// riders are the viewers whose parts of a page are read in the page's own calls (ForAnyoneWith):
// the page's favorite.Stats and relation.UserStats carry one query more per rider, not one call
// more. Each call fills its own field of the parts, so the two run in parallel.
type riders struct {
	viewers []int64
	parts   []ViewerPart
}

func newRiders(viewers []int64) *riders {
	return &riders{viewers: viewers, parts: make([]ViewerPart, len(viewers))}
}

// likeQueries are the riders' queries of favorite.Stats for a page of videos.
func (r *riders) likeQueries(videoIDs []int64) []*favorite.StatsQuery {
	qs := make([]*favorite.StatsQuery, len(r.viewers))
	for i, v := range r.viewers {
		qs[i] = &favorite.StatsQuery{ViewerId: v, VideoIds: videoIDs}
	}
	return qs
}

// tookLikes keeps the riders' answers (or failures) of favorite.Stats.
func (r *riders) tookLikes(answers []*favorite.StatsAnswer, errs []error) {
	for i := range r.parts {
		r.parts[i].likes, r.parts[i].likesErr = answers[i].GetVideos(), errs[i]
	}
}

// followQueries are the riders' queries of relation.UserStats for a page's authors.
func (r *riders) followQueries(authorIDs []int64) []*relation.UserStatsQuery {
	qs := make([]*relation.UserStatsQuery, len(r.viewers))
	for i, v := range r.viewers {
		qs[i] = &relation.UserStatsQuery{UserIds: authorIDs, ViewerId: v}
	}
	return qs
}

// tookFollows keeps the riders' answers (or failures) of relation.UserStats.
func (r *riders) tookFollows(answers []*relation.UserStatsAnswer, errs []error) {
	for i := range r.parts {
		r.parts[i].follows, r.parts[i].followsErr = answers[i].GetStats(), errs[i]
	}
}

// joined is the parts of n riders of a page read in batches (none for an empty page): each
// viewer's part of every batch.
func joined(n int, batches []*riders) []ViewerPart {
	if len(batches) == 1 {
		return batches[0].parts
	}
	out := make([]ViewerPart, n)
	for i := range out {
		whole := ViewerPart{likes: map[int64]*favorite.VideoFavoriteStat{}, follows: map[int64]*relation.UserRelationStat{}}
		for _, b := range batches {
			p := b.parts[i]
			maps.Copy(whole.likes, p.likes) // an answer's map may be nil: it decodes so when empty
			maps.Copy(whole.follows, p.follows)
			whole.likesErr, whole.followsErr = cmp.Or(whole.likesErr, p.likesErr), cmp.Or(whole.followsErr, p.followsErr)
		}
		out[i] = whole
	}
	return out
}

// SeenBy is SeenWith, with the calls that could not bring the viewer's part noted in the
// viewer's request (internal/degrade), as a page's own failed decorations are.
func (a *Assembler) SeenBy(ctx context.Context, videos []*douyin.Video, p ViewerPart) []*douyin.Video {
	if p.likesErr != nil {
		degrade.Note(ctx, a.log, "favorite.Stats", p.likesErr)
	}
	if p.followsErr != nil {
		degrade.Note(ctx, a.log, "relation.UserStats", p.followsErr)
	}
	return SeenWith(videos, p)
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
