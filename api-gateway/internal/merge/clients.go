// Package merge wraps the services' Kitex clients so that the reads of pages being assembled at
// the same moment go as merged calls (pkg/coalesce): the reads of one viewer or one list through
// the services' batch methods, the id lookups as one lookup of the union of their ids.
package merge

import (
	"context"

	"github.com/cloudwego/kitex/client/callopt"

	"simpletiktok/pkg/coalesce"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/kitex_gen/comment"
	"simpletiktok/pkg/kitex_gen/comment/commentservice"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/favorite/favoriteservice"
	"simpletiktok/pkg/kitex_gen/message"
	"simpletiktok/pkg/kitex_gen/message/messageservice"
	"simpletiktok/pkg/kitex_gen/relation"
	"simpletiktok/pkg/kitex_gen/relation/relationservice"
	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/user/userservice"
	"simpletiktok/pkg/kitex_gen/video"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
)

// The clients below are the services' Kitex clients with the reads pages make merged: the reads
// of one viewer or one list through the services' batch methods (favorite.StatsBatch,
// relation.UserStatsBatch, video.FeedBatch, the lists' ...Batch), the id lookups as one lookup of
// the union of their ids. Writes, and every other method, are the client's own. Call options are
// not used by merged calls.

// batchLimits are cfg's limits within what a batch method takes.
func batchLimits(cfg coalesce.Config) coalesce.Config {
	cfg.MaxQueries = min(max(cfg.MaxQueries, 1), idbatch.MaxQueries)
	cfg.MaxWeight = 0
	return cfg
}

// unionLimits are cfg's limits for lookups merged into one of at most idbatch.Max ids.
func unionLimits(cfg coalesce.Config) coalesce.Config {
	cfg.MaxQueries = min(max(cfg.MaxQueries, 1), idbatch.MaxQueries)
	cfg.MaxWeight = idbatch.Max
	return cfg
}

// union returns the call of a batcher that merges id lookups: ids of each query, one call for
// all of them (look, which returns what it found in a form that cut reads by id), and each
// query's answer cut from it (cut).
func union[Q, A, F any](ids func(Q) []int64, look func(context.Context, []int64) (F, error),
	cut func(found F, ids []int64) A) func(context.Context, []Q) ([]A, error) {
	return func(ctx context.Context, queries []Q) ([]A, error) {
		var all []int64
		for _, q := range queries {
			all = append(all, ids(q)...)
		}
		found, err := look(ctx, idbatch.Unique(all))
		if err != nil {
			return nil, err
		}
		answers := make([]A, len(queries))
		for i, q := range queries {
			answers[i] = cut(found, ids(q))
		}
		return answers, nil
	}
}

// byID indexes items by their id.
func byID[T any](items []T, id func(T) int64) map[int64]T {
	out := make(map[int64]T, len(items))
	for _, it := range items {
		out[id(it)] = it
	}
	return out
}

// pick returns the entries of m for ids that m holds.
func pick[V any](m map[int64]V, ids []int64) map[int64]V {
	out := make(map[int64]V, len(ids))
	for _, id := range ids {
		if v, ok := m[id]; ok {
			out[id] = v
		}
	}
	return out
}

type favoriteClient struct {
	favoriteservice.Client
	stats *coalesce.Batcher[*favorite.StatsRequest, *favorite.StatsResponse]
	liked *coalesce.Batcher[*favorite.ListFavoritesRequest, *favorite.ListFavoritesResponse]
}

// Favorite returns c with concurrent Stats calls merged into StatsBatch calls, and ListFavorites
// calls into ListFavoritesBatch calls.
func Favorite(c favoriteservice.Client, cfg coalesce.Config) favoriteservice.Client {
	return &favoriteClient{Client: c,
		stats: coalesce.New("favorite.Stats", batchLimits(cfg), nil,
			func(ctx context.Context, qs []*favorite.StatsRequest) ([]*favorite.StatsResponse, error) {
				resp, err := c.StatsBatch(ctx, &favorite.StatsBatchRequest{Queries: qs})
				return resp.GetAnswers(), err
			}),
		liked: coalesce.New("favorite.ListFavorites", batchLimits(cfg), nil,
			func(ctx context.Context, qs []*favorite.ListFavoritesRequest) ([]*favorite.ListFavoritesResponse, error) {
				resp, err := c.ListFavoritesBatch(ctx, &favorite.ListFavoritesBatchRequest{Queries: qs})
				return resp.GetAnswers(), err
			}),
	}
}

func (c *favoriteClient) ListFavorites(ctx context.Context, req *favorite.ListFavoritesRequest, opts ...callopt.Option) (*favorite.ListFavoritesResponse, error) {
	if req.GetUserId() <= 0 {
		return c.Client.ListFavorites(ctx, req, opts...) // refused alone, failing no other page
	}
	return c.liked.Do(ctx, req)
}

func (c *favoriteClient) Stats(ctx context.Context, req *favorite.StatsRequest, _ ...callopt.Option) (*favorite.StatsResponse, error) {
	return c.stats.Do(ctx, req)
}

type relationClient struct {
	relationservice.Client
	stats                         *coalesce.Batcher[*relation.UserStatsRequest, *relation.UserStatsResponse]
	following, followers, friends *coalesce.Batcher[*relation.ListRequest, *relation.ListResponse]
}

// Relation returns c with concurrent UserStats calls merged into UserStatsBatch calls, and the
// calls of each list into calls of its batch method.
func Relation(c relationservice.Client, cfg coalesce.Config) relationservice.Client {
	lists := func(name string, batch func(context.Context, *relation.ListBatchRequest, ...callopt.Option) (*relation.ListBatchResponse, error)) *coalesce.Batcher[*relation.ListRequest, *relation.ListResponse] {
		return coalesce.New(name, batchLimits(cfg), nil, func(ctx context.Context, qs []*relation.ListRequest) ([]*relation.ListResponse, error) {
			resp, err := batch(ctx, &relation.ListBatchRequest{Queries: qs})
			return resp.GetAnswers(), err
		})
	}
	return &relationClient{Client: c,
		stats: coalesce.New("relation.UserStats", batchLimits(cfg), nil,
			func(ctx context.Context, qs []*relation.UserStatsRequest) ([]*relation.UserStatsResponse, error) {
				resp, err := c.UserStatsBatch(ctx, &relation.UserStatsBatchRequest{Queries: qs})
				return resp.GetAnswers(), err
			}),
		following: lists("relation.ListFollowing", c.ListFollowingBatch),
		followers: lists("relation.ListFollowers", c.ListFollowersBatch),
		friends:   lists("relation.ListFriends", c.ListFriendsBatch),
	}
}

func (c *relationClient) ListFollowing(ctx context.Context, req *relation.ListRequest, opts ...callopt.Option) (*relation.ListResponse, error) {
	if req.GetUserId() <= 0 {
		return c.Client.ListFollowing(ctx, req, opts...)
	}
	return c.following.Do(ctx, req)
}

func (c *relationClient) ListFollowers(ctx context.Context, req *relation.ListRequest, opts ...callopt.Option) (*relation.ListResponse, error) {
	if req.GetUserId() <= 0 {
		return c.Client.ListFollowers(ctx, req, opts...)
	}
	return c.followers.Do(ctx, req)
}

func (c *relationClient) ListFriends(ctx context.Context, req *relation.ListRequest, opts ...callopt.Option) (*relation.ListResponse, error) {
	if req.GetUserId() <= 0 {
		return c.Client.ListFriends(ctx, req, opts...)
	}
	return c.friends.Do(ctx, req)
}

func (c *relationClient) UserStats(ctx context.Context, req *relation.UserStatsRequest, _ ...callopt.Option) (*relation.UserStatsResponse, error) {
	return c.stats.Do(ctx, req)
}

type commentClient struct {
	commentservice.Client
	counts *coalesce.Batcher[*comment.CountCommentsRequest, *comment.CountCommentsResponse]
	lists  *coalesce.Batcher[*comment.ListCommentsRequest, *comment.ListCommentsResponse]
}

func (c *commentClient) ListComments(ctx context.Context, req *comment.ListCommentsRequest, opts ...callopt.Option) (*comment.ListCommentsResponse, error) {
	if req.GetVideoId() <= 0 {
		return c.Client.ListComments(ctx, req, opts...)
	}
	return c.lists.Do(ctx, req)
}

// Comment returns c with concurrent CountComments calls merged into one of their ids, and
// ListComments calls into ListCommentsBatch calls.
func Comment(c commentservice.Client, cfg coalesce.Config) commentservice.Client {
	ids := func(q *comment.CountCommentsRequest) []int64 { return q.GetVideoIds() }
	return &commentClient{Client: c, lists: coalesce.New("comment.ListComments", batchLimits(cfg), nil,
		func(ctx context.Context, qs []*comment.ListCommentsRequest) ([]*comment.ListCommentsResponse, error) {
			resp, err := c.ListCommentsBatch(ctx, &comment.ListCommentsBatchRequest{Queries: qs})
			return resp.GetAnswers(), err
		}), counts: coalesce.New("comment.CountComments", unionLimits(cfg),
		func(q *comment.CountCommentsRequest) int { return len(q.GetVideoIds()) },
		union(ids, func(ctx context.Context, all []int64) (*comment.CountCommentsResponse, error) {
			return c.CountComments(ctx, &comment.CountCommentsRequest{VideoIds: all})
		}, func(all *comment.CountCommentsResponse, ids []int64) *comment.CountCommentsResponse {
			return &comment.CountCommentsResponse{CommentCounts: pick(all.GetCommentCounts(), ids)}
		}))}
}

func (c *commentClient) CountComments(ctx context.Context, req *comment.CountCommentsRequest, _ ...callopt.Option) (*comment.CountCommentsResponse, error) {
	return c.counts.Do(ctx, req)
}

type userClient struct {
	userservice.Client
	users *coalesce.Batcher[*user.MGetUsersRequest, *user.MGetUsersResponse]
}

// User returns c with concurrent MGetUsers calls merged into one of their ids.
func User(c userservice.Client, cfg coalesce.Config) userservice.Client {
	ids := func(q *user.MGetUsersRequest) []int64 { return q.GetUserIds() }
	return &userClient{Client: c, users: coalesce.New("user.MGetUsers", unionLimits(cfg),
		func(q *user.MGetUsersRequest) int { return len(q.GetUserIds()) },
		union(ids, func(ctx context.Context, all []int64) (map[int64]*user.User, error) {
			resp, err := c.MGetUsers(ctx, &user.MGetUsersRequest{UserIds: all})
			if err != nil {
				return nil, err
			}
			return byID(resp.GetUsers(), (*user.User).GetId), nil
		}, func(found map[int64]*user.User, ids []int64) *user.MGetUsersResponse {
			out := &user.MGetUsersResponse{}
			for _, id := range ids {
				if u, ok := found[id]; ok {
					out.Users = append(out.Users, u)
				}
			}
			return out
		}))}
}

func (c *userClient) MGetUsers(ctx context.Context, req *user.MGetUsersRequest, _ ...callopt.Option) (*user.MGetUsersResponse, error) {
	return c.users.Do(ctx, req)
}

type videoClient struct {
	videoservice.Client
	feed   *coalesce.Batcher[*video.FeedRequest, *video.FeedResponse]
	lists  *coalesce.Batcher[*video.ListByAuthorRequest, *video.ListByAuthorResponse]
	works  *coalesce.Batcher[*video.CountWorksRequest, *video.CountWorksResponse]
	videos *coalesce.Batcher[*video.MGetVideosRequest, *video.MGetVideosResponse]
}

// Video returns c with concurrent Feed and ListByAuthor calls merged into FeedBatch and
// ListByAuthorBatch calls, and concurrent CountWorks and MGetVideos calls each into one of their
// ids.
func Video(c videoservice.Client, cfg coalesce.Config) videoservice.Client {
	workIDs := func(q *video.CountWorksRequest) []int64 { return q.GetUserIds() }
	videoIDs := func(q *video.MGetVideosRequest) []int64 { return q.GetVideoIds() }
	return &videoClient{
		Client: c,
		feed: coalesce.New("video.Feed", batchLimits(cfg), nil,
			func(ctx context.Context, qs []*video.FeedRequest) ([]*video.FeedResponse, error) {
				resp, err := c.FeedBatch(ctx, &video.FeedBatchRequest{Queries: qs})
				return resp.GetAnswers(), err
			}),
		lists: coalesce.New("video.ListByAuthor", batchLimits(cfg), nil,
			func(ctx context.Context, qs []*video.ListByAuthorRequest) ([]*video.ListByAuthorResponse, error) {
				resp, err := c.ListByAuthorBatch(ctx, &video.ListByAuthorBatchRequest{Queries: qs})
				return resp.GetAnswers(), err
			}),
		works: coalesce.New("video.CountWorks", unionLimits(cfg), func(q *video.CountWorksRequest) int { return len(q.GetUserIds()) },
			union(workIDs, func(ctx context.Context, all []int64) (*video.CountWorksResponse, error) {
				return c.CountWorks(ctx, &video.CountWorksRequest{UserIds: all})
			}, func(all *video.CountWorksResponse, ids []int64) *video.CountWorksResponse {
				return &video.CountWorksResponse{WorkCounts: pick(all.GetWorkCounts(), ids)}
			})),
		videos: coalesce.New("video.MGetVideos", unionLimits(cfg), func(q *video.MGetVideosRequest) int { return len(q.GetVideoIds()) },
			union(videoIDs, func(ctx context.Context, all []int64) (foundVideos, error) {
				resp, err := c.MGetVideos(ctx, &video.MGetVideosRequest{VideoIds: all})
				if err != nil {
					return foundVideos{}, err
				}
				return foundVideos{byID: byID(resp.GetVideos(), (*video.Video).GetId), works: resp.GetWorkCounts()}, nil
			}, func(found foundVideos, ids []int64) *video.MGetVideosResponse {
				out := &video.MGetVideosResponse{WorkCounts: map[int64]int64{}}
				for _, id := range ids {
					v, ok := found.byID[id]
					if !ok {
						continue
					}
					out.Videos = append(out.Videos, v)
					if n, ok := found.works[v.GetAuthorId()]; ok {
						out.WorkCounts[v.GetAuthorId()] = n
					}
				}
				return out
			})),
	}
}

// foundVideos is what a merged MGetVideos found: the videos by id, their authors' work counts.
type foundVideos struct {
	byID  map[int64]*video.Video
	works map[int64]int64
}

func (c *videoClient) Feed(ctx context.Context, req *video.FeedRequest, _ ...callopt.Option) (*video.FeedResponse, error) {
	return c.feed.Do(ctx, req)
}

func (c *videoClient) ListByAuthor(ctx context.Context, req *video.ListByAuthorRequest, opts ...callopt.Option) (*video.ListByAuthorResponse, error) {
	if req.GetAuthorId() <= 0 {
		return c.Client.ListByAuthor(ctx, req, opts...)
	}
	return c.lists.Do(ctx, req)
}

func (c *videoClient) CountWorks(ctx context.Context, req *video.CountWorksRequest, _ ...callopt.Option) (*video.CountWorksResponse, error) {
	return c.works.Do(ctx, req)
}

func (c *videoClient) MGetVideos(ctx context.Context, req *video.MGetVideosRequest, _ ...callopt.Option) (*video.MGetVideosResponse, error) {
	return c.videos.Do(ctx, req)
}

type messageClient struct {
	messageservice.Client
	latest *coalesce.Batcher[*message.LatestMessagesRequest, *message.LatestMessagesResponse]
}

// Message returns c with concurrent LatestMessages calls merged into LatestMessagesBatch calls.
func Message(c messageservice.Client, cfg coalesce.Config) messageservice.Client {
	return &messageClient{Client: c, latest: coalesce.New("message.LatestMessages", batchLimits(cfg), nil,
		func(ctx context.Context, qs []*message.LatestMessagesRequest) ([]*message.LatestMessagesResponse, error) {
			resp, err := c.LatestMessagesBatch(ctx, &message.LatestMessagesBatchRequest{Queries: qs})
			return resp.GetAnswers(), err
		})}
}

func (c *messageClient) LatestMessages(ctx context.Context, req *message.LatestMessagesRequest, opts ...callopt.Option) (*message.LatestMessagesResponse, error) {
	if req.GetUserId() <= 0 {
		return c.Client.LatestMessages(ctx, req, opts...)
	}
	return c.latest.Do(ctx, req)
}
