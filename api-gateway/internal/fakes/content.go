package fakes

import (
	"cmp"
	"context"

	"github.com/cloudwego/kitex/client/callopt"

	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/kitex_gen/comment/commentservice"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/favorite/favoriteservice"
	"simpletiktok/pkg/kitex_gen/video"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
)

type videos struct{ b *Backend }

var _ videoservice.Client = videos{}

func (v videos) Publish(_ context.Context, req *video.PublishRequest, _ ...callopt.Option) (*video.PublishResponse, error) {
	if err := v.b.record("video.Publish", req); err != nil {
		return nil, err
	}
	return &video.PublishResponse{VideoId: PublishedID}, nil
}

func (v videos) Feed(_ context.Context, req *video.FeedRequest, _ ...callopt.Option) (*video.FeedResponse, error) {
	answers, err := each(v.b, "video.Feed", req.Queries, func(q *video.FeedQuery) (*video.FeedAnswer, error) {
		a := &video.FeedAnswer{Videos: v.b.FeedVideos, NextTimeMs: q.LatestTimeMs, WorkCounts: workCounts(v.b.FeedVideos)}
		if n := len(v.b.FeedVideos); n > 0 {
			a.NextTimeMs = v.b.FeedVideos[n-1].PublishTimeMs
		}
		return a, nil
	})
	if err != nil {
		return nil, err
	}
	return &video.FeedResponse{Answers: answers}, nil
}

func (v videos) ListByAuthor(_ context.Context, req *video.ListByAuthorRequest, _ ...callopt.Option) (*video.ListByAuthorResponse, error) {
	answers, err := each(v.b, "video.ListByAuthor", req.Queries, func(q *video.ListByAuthorQuery) (*video.ListByAuthorAnswer, error) {
		list := v.b.Works[q.AuthorId]
		return &video.ListByAuthorAnswer{Videos: list, WorkCounts: workCounts(list)}, nil
	})
	if err != nil {
		return nil, err
	}
	return &video.ListByAuthorResponse{Answers: answers}, nil
}

func (v videos) MGetVideos(_ context.Context, req *video.MGetVideosRequest, _ ...callopt.Option) (*video.MGetVideosResponse, error) {
	if err := v.b.record("video.MGetVideos", req); err != nil {
		return nil, err
	}
	if err := tooMany(len(req.VideoIds)); err != nil {
		return nil, err
	}
	resp := &video.MGetVideosResponse{}
	for i := len(req.VideoIds) - 1; i >= 0; i-- {
		if id := req.VideoIds[i]; id < MissingFrom {
			resp.Videos = append(resp.Videos, &video.Video{Id: id, AuthorId: AuthorOf(id), PlayKey: "v.mp4"})
		}
	}
	resp.WorkCounts = workCounts(resp.Videos)
	return resp, nil
}

// workCounts is what the video service sends with a list: the work count of each author (3, the
// rule of the fake world).
func workCounts(list []*video.Video) map[int64]int64 {
	counts := map[int64]int64{}
	for _, v := range list {
		counts[v.AuthorId] = 3
	}
	return counts
}

func (v videos) CountWorks(_ context.Context, req *video.CountWorksRequest, _ ...callopt.Option) (*video.CountWorksResponse, error) {
	if err := v.b.record("video.CountWorks", req); err != nil {
		return nil, err
	}
	if err := tooMany(len(req.UserIds)); err != nil {
		return nil, err
	}
	counts := map[int64]int64{}
	for _, id := range req.UserIds {
		counts[id] = 3
	}
	return &video.CountWorksResponse{WorkCounts: counts}, nil
}

// SetCover is the media worker's call; the gateway never makes it.
func (v videos) SetCover(_ context.Context, req *video.SetCoverRequest, _ ...callopt.Option) (*video.SetCoverResponse, error) {
	if err := v.b.record("video.SetCover", req); err != nil {
		return nil, err
	}
	return &video.SetCoverResponse{CoverKey: req.CoverKey}, nil
}

// AuthorOf is the author of video id in the fake world: the favorite service knows it from the
// likes (ListFavorites) even for a video deleted since.
func AuthorOf(id int64) int64 { return id%7 + 1 }

type favorites struct{ b *Backend }

var _ favoriteservice.Client = favorites{}

func (f favorites) FavoriteAction(_ context.Context, req *favorite.FavoriteActionRequest, _ ...callopt.Option) (*favorite.FavoriteActionResponse, error) {
	if err := f.b.record("favorite.FavoriteAction", req); err != nil {
		return nil, err
	}
	return &favorite.FavoriteActionResponse{}, nil
}

func (f favorites) ListFavorites(_ context.Context, req *favorite.ListFavoritesRequest, _ ...callopt.Option) (*favorite.ListFavoritesResponse, error) {
	answers, err := each(f.b, "favorite.ListFavorites", req.Queries, func(q *favorite.ListFavoritesQuery) (*favorite.ListFavoritesAnswer, error) {
		a := &favorite.ListFavoritesAnswer{VideoIds: f.b.Liked, AuthorIds: make([]int64, len(f.b.Liked))}
		for i, id := range a.VideoIds {
			a.AuthorIds[i] = AuthorOf(id)
		}
		stats := favoriteStats(q.ViewerId, a.VideoIds, idbatch.Unique(a.AuthorIds))
		a.Videos, a.Users = stats.Videos, stats.Users
		return a, nil
	})
	if err != nil {
		return nil, err
	}
	return &favorite.ListFavoritesResponse{Answers: answers}, nil
}

func (f favorites) Stats(_ context.Context, req *favorite.StatsRequest, _ ...callopt.Option) (*favorite.StatsResponse, error) {
	answers, err := each(f.b, "favorite.Stats", req.Queries, func(q *favorite.StatsQuery) (*favorite.StatsAnswer, error) {
		if err := cmp.Or(tooMany(len(q.VideoIds)), tooMany(len(q.UserIds))); err != nil {
			return nil, err
		}
		return favoriteStats(q.ViewerId, q.VideoIds, q.UserIds), nil
	})
	if err != nil {
		return nil, err
	}
	return &favorite.StatsResponse{Answers: answers}, nil
}

// favoriteStats are the like counts of videoIDs as viewer sees them, and the counts of userIDs,
// by the rules of the fake world.
func favoriteStats(viewer int64, videoIDs, userIDs []int64) *favorite.StatsAnswer {
	resp := &favorite.StatsAnswer{Videos: map[int64]*favorite.VideoFavoriteStat{}, Users: map[int64]*favorite.UserFavoriteStat{}}
	for _, id := range videoIDs {
		resp.Videos[id] = &favorite.VideoFavoriteStat{FavoriteCount: 2 * id, IsFavorite: viewer != 0 && id%2 == 0}
	}
	for _, id := range userIDs {
		resp.Users[id] = &favorite.UserFavoriteStat{FavoriteCount: 1, TotalFavorited: id}
	}
	return resp
}

type comments struct{ b *Backend }

var _ commentservice.Client = comments{}

func (c comments) PostComment(_ context.Context, req *comment.PostCommentRequest, _ ...callopt.Option) (*comment.PostCommentResponse, error) {
	if err := c.b.record("comment.PostComment", req); err != nil {
		return nil, err
	}
	return &comment.PostCommentResponse{Comment: &comment.Comment{Id: PostedID, VideoId: req.VideoId,
		UserId: req.UserId, Content: req.Content, CreateTimeMs: PostedAt}}, nil
}

func (c comments) DeleteComment(_ context.Context, req *comment.DeleteCommentRequest, _ ...callopt.Option) (*comment.DeleteCommentResponse, error) {
	if err := c.b.record("comment.DeleteComment", req); err != nil {
		return nil, err
	}
	return &comment.DeleteCommentResponse{}, nil
}

func (c comments) ListComments(_ context.Context, req *comment.ListCommentsRequest, _ ...callopt.Option) (*comment.ListCommentsResponse, error) {
	answers, err := each(c.b, "comment.ListComments", req.Queries, func(*comment.ListCommentsQuery) (*comment.ListCommentsAnswer, error) {
		return &comment.ListCommentsAnswer{Comments: c.b.Comments}, nil
	})
	if err != nil {
		return nil, err
	}
	return &comment.ListCommentsResponse{Answers: answers}, nil
}

func (c comments) CountComments(_ context.Context, req *comment.CountCommentsRequest, _ ...callopt.Option) (*comment.CountCommentsResponse, error) {
	if err := c.b.record("comment.CountComments", req); err != nil {
		return nil, err
	}
	if err := tooMany(len(req.VideoIds)); err != nil {
		return nil, err
	}
	counts := map[int64]int64{}
	for _, id := range req.VideoIds {
		counts[id] = id + 1
	}
	return &comment.CountCommentsResponse{CommentCounts: counts}, nil
}
