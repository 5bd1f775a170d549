// Package merge gives the gateway's pages the services' reads as they ask them, one query for one
// answer, while the queries of pages assembled at the same moment travel as one call (pkg/coalesce):
// through the services' reads that take a list of queries, or, for the lookups of ids, as one
// lookup of the union of their ids.
//
// Every read the gateway makes goes through Read.Do, which says its error in the project's
// vocabulary (rpc.ClientError) once for all its callers; writes say theirs through rpc.Write.
package merge

import (
	"context"
	"fmt"

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
	"simpletiktok/pkg/rpc"
)

// Services are the Kitex clients of the six services.
type Services struct {
	User     userservice.Client
	Video    videoservice.Client
	Favorite favoriteservice.Client
	Comment  commentservice.Client
	Relation relationservice.Client
	Message  messageservice.Client
}

// Reads are the reads the gateway makes, each named for its RPC; writes are made with the
// Services' clients (through rpc.Write).
type Reads struct {
	MGetUsers      *Read[*user.MGetUsersRequest, *user.MGetUsersResponse]
	TokenVersions  *Read[*user.MGetUsersRequest, *user.MGetUsersResponse] // by token_version_ids
	MGetVideos     *Read[*video.MGetVideosRequest, *video.MGetVideosResponse]
	CountWorks     *Read[*video.CountWorksRequest, *video.CountWorksResponse]
	Feed           *Read[*video.FeedQuery, *video.FeedAnswer]
	ListByAuthor   *Read[*video.ListByAuthorQuery, *video.ListByAuthorAnswer]
	ListFavorites  *Read[*favorite.ListFavoritesQuery, *favorite.ListFavoritesAnswer]
	FavoriteStats  *Read[*favorite.StatsQuery, *favorite.StatsAnswer]
	ListComments   *Read[*comment.ListCommentsQuery, *comment.ListCommentsAnswer]
	CountComments  *Read[*comment.CountCommentsRequest, *comment.CountCommentsResponse]
	ListFollowing  *Read[*relation.ListQuery, *relation.ListAnswer]
	ListFollowers  *Read[*relation.ListQuery, *relation.ListAnswer]
	ListFriends    *Read[*relation.ListQuery, *relation.ListAnswer]
	UserStats      *Read[*relation.UserStatsQuery, *relation.UserStatsAnswer]
	LatestMessages *Read[*message.LatestMessagesQuery, *message.LatestMessagesAnswer]
	// Chat and Login are never merged: no two pages share a conversation, and a login is one
	// person's (it changes nothing, so its failure is a read's, although its timeout is a write's
	// for bcrypt's sake: pkg/rpc/policy.go).
	Chat  *Read[*message.ChatRequest, *message.ChatResponse]
	Login *Read[*user.LoginRequest, *user.LoginResponse]
}

// NewReads returns the reads of s, merged within cfg's limits.
func NewReads(s Services, cfg coalesce.Config) *Reads {
	lists := func(name string, rpc func(context.Context, *relation.ListRequest, ...callopt.Option) (*relation.ListResponse, error)) *Read[*relation.ListQuery, *relation.ListAnswer] {
		return batch(cfg, name, rpc, func(qs []*relation.ListQuery) *relation.ListRequest { return &relation.ListRequest{Queries: qs} },
			func(q *relation.ListQuery) bool { return q.GetUserId() <= 0 })
	}
	return &Reads{
		MGetUsers: lookup(cfg, "user.MGetUsers", (*user.MGetUsersRequest).GetUserIds,
			func(ctx context.Context, ids []int64) (map[int64]*user.User, error) {
				resp, err := s.User.MGetUsers(ctx, &user.MGetUsersRequest{UserIds: ids})
				return byID(resp.GetUsers(), (*user.User).GetId), err
			}, func(found map[int64]*user.User, ids []int64) *user.MGetUsersResponse {
				return &user.MGetUsersResponse{Users: inOrder(found, ids)}
			}),
		TokenVersions: lookup(cfg, "user.TokenVersions", (*user.MGetUsersRequest).GetTokenVersionIds,
			func(ctx context.Context, ids []int64) (*user.MGetUsersResponse, error) {
				return s.User.MGetUsers(ctx, &user.MGetUsersRequest{TokenVersionIds: ids})
			}, func(all *user.MGetUsersResponse, ids []int64) *user.MGetUsersResponse {
				return &user.MGetUsersResponse{TokenVersions: pick(all.GetTokenVersions(), ids)}
			}),
		MGetVideos: lookup(cfg, "video.MGetVideos", (*video.MGetVideosRequest).GetVideoIds,
			func(ctx context.Context, ids []int64) (*video.MGetVideosResponse, error) {
				return s.Video.MGetVideos(ctx, &video.MGetVideosRequest{VideoIds: ids})
			}, cutVideos),
		CountWorks: lookup(cfg, "video.CountWorks", (*video.CountWorksRequest).GetUserIds,
			func(ctx context.Context, ids []int64) (*video.CountWorksResponse, error) {
				return s.Video.CountWorks(ctx, &video.CountWorksRequest{UserIds: ids})
			}, func(all *video.CountWorksResponse, ids []int64) *video.CountWorksResponse {
				return &video.CountWorksResponse{WorkCounts: pick(all.GetWorkCounts(), ids)}
			}),
		Feed: batch(cfg, "video.Feed", s.Video.Feed,
			func(qs []*video.FeedQuery) *video.FeedRequest { return &video.FeedRequest{Queries: qs} }, nil),
		ListByAuthor: batch(cfg, "video.ListByAuthor", s.Video.ListByAuthor,
			func(qs []*video.ListByAuthorQuery) *video.ListByAuthorRequest {
				return &video.ListByAuthorRequest{Queries: qs}
			},
			func(q *video.ListByAuthorQuery) bool { return q.GetAuthorId() <= 0 }),
		ListFavorites: batch(cfg, "favorite.ListFavorites", s.Favorite.ListFavorites,
			func(qs []*favorite.ListFavoritesQuery) *favorite.ListFavoritesRequest {
				return &favorite.ListFavoritesRequest{Queries: qs}
			}, func(q *favorite.ListFavoritesQuery) bool { return q.GetUserId() <= 0 }),
		FavoriteStats: batch(cfg, "favorite.Stats", s.Favorite.Stats,
			func(qs []*favorite.StatsQuery) *favorite.StatsRequest { return &favorite.StatsRequest{Queries: qs} }, nil),
		ListComments: batch(cfg, "comment.ListComments", s.Comment.ListComments,
			func(qs []*comment.ListCommentsQuery) *comment.ListCommentsRequest {
				return &comment.ListCommentsRequest{Queries: qs}
			},
			func(q *comment.ListCommentsQuery) bool { return q.GetVideoId() <= 0 }),
		CountComments: lookup(cfg, "comment.CountComments", (*comment.CountCommentsRequest).GetVideoIds,
			func(ctx context.Context, ids []int64) (*comment.CountCommentsResponse, error) {
				return s.Comment.CountComments(ctx, &comment.CountCommentsRequest{VideoIds: ids})
			}, func(all *comment.CountCommentsResponse, ids []int64) *comment.CountCommentsResponse {
				return &comment.CountCommentsResponse{CommentCounts: pick(all.GetCommentCounts(), ids)}
			}),
		ListFollowing: lists("relation.ListFollowing", s.Relation.ListFollowing),
		ListFollowers: lists("relation.ListFollowers", s.Relation.ListFollowers),
		ListFriends:   lists("relation.ListFriends", s.Relation.ListFriends),
		UserStats: batch(cfg, "relation.UserStats", s.Relation.UserStats,
			func(qs []*relation.UserStatsQuery) *relation.UserStatsRequest {
				return &relation.UserStatsRequest{Queries: qs}
			}, nil),
		LatestMessages: batch(cfg, "message.LatestMessages", s.Message.LatestMessages,
			func(qs []*message.LatestMessagesQuery) *message.LatestMessagesRequest {
				return &message.LatestMessagesRequest{Queries: qs}
			}, func(q *message.LatestMessagesQuery) bool { return q.GetUserId() <= 0 }),
		Chat:  single(s.Message.Chat),
		Login: single(s.User.Login),
	}
}

// TokenVersion is user id's current token version (auth.VersionReader), merged with the other
// requests' checks.
func (r *Reads) TokenVersion(ctx context.Context, id int64) (int64, error) {
	resp, err := r.TokenVersions.Do(ctx, &user.MGetUsersRequest{TokenVersionIds: []int64{id}})
	return resp.GetTokenVersions()[id], err
}

// Read is one read as a page asks it: Do answers one query, in a call of its own when the method
// has a free lane, else merged with the queries of other pages into the next call (pkg/coalesce).
type Read[Q, A any] struct {
	merged *coalesce.Batcher[Q, A] // nil for a read never merged (single)
	// alone, when set, picks the queries the service refuses: each goes in a call of its own, so
	// that its refusal fails no other page.
	alone func(Q) bool
	call  func(context.Context, []Q) ([]A, error)
}

// Do answers q, or fails with an error in the project's vocabulary: the service's business code
// as the *errno.Error it sent, or errno.Timeout or errno.ServiceUnavailable for a call that failed
// on the way (rpc.ClientError), so that no caller maps it again. The mapping is here, and not in a
// Kitex client middleware, because a middleware never sees a business status error: Kitex sets
// it on the call's RPCInfo and returns it only after the middleware chain has run.
func (r *Read[Q, A]) Do(ctx context.Context, q Q) (A, error) {
	a, err := r.do(ctx, q)
	return a, rpc.ClientError(err)
}

func (r *Read[Q, A]) do(ctx context.Context, q Q) (A, error) {
	if r.merged != nil && (r.alone == nil || !r.alone(q)) {
		return r.merged.Do(ctx, q)
	}
	var zero A
	answers, err := r.call(ctx, []Q{q})
	if err != nil {
		return zero, err
	}
	if len(answers) != 1 {
		return zero, fmt.Errorf("%d answers to 1 query", len(answers))
	}
	return answers[0], nil
}

// DoAll answers each of qs as Do would (answers[i] or errs[i] for qs[i]), with the queries that
// may be merged asked together (coalesce.Batcher.DoAll): one call for all of them when the method
// has a free lane, where a Do for each would send the first alone.
func (r *Read[Q, A]) DoAll(ctx context.Context, qs []Q) (answers []A, errs []error) {
	answers, errs = make([]A, len(qs)), make([]error, len(qs))
	var together []int // the indexes of the queries that may be merged
	for i, q := range qs {
		if r.merged != nil && (r.alone == nil || !r.alone(q)) {
			together = append(together, i)
		} else {
			answers[i], errs[i] = r.do(ctx, q)
		}
	}
	if len(together) > 0 {
		merged := make([]Q, len(together))
		for j, i := range together {
			merged[j] = qs[i]
		}
		as, es := r.merged.DoAll(ctx, merged)
		for j, i := range together {
			answers[i], errs[i] = as[j], es[j]
		}
	}
	for i, err := range errs {
		errs[i] = rpc.ClientError(err)
	}
	return answers, errs
}

// Batcher is the batcher of r's merged calls (nil for a read never merged), for tests that watch
// its queue.
func (r *Read[Q, A]) Batcher() *coalesce.Batcher[Q, A] { return r.merged }

// single is the Read of an RPC whose calls are never merged: each query is its request.
func single[Q, A any](method func(context.Context, Q, ...callopt.Option) (A, error)) *Read[Q, A] {
	return &Read[Q, A]{call: func(ctx context.Context, queries []Q) ([]A, error) {
		answer, err := method(ctx, queries[0])
		if err != nil {
			return nil, err
		}
		return []A{answer}, nil
	}}
}

// batch is the Read of an RPC that takes a list of queries (request makes its request of them)
// and answers them in order; alone may be nil.
func batch[Q, A, Req any, Resp interface{ GetAnswers() []A }](cfg coalesce.Config, name string,
	rpc func(context.Context, Req, ...callopt.Option) (Resp, error), request func([]Q) Req, alone func(Q) bool) *Read[Q, A] {
	call := func(ctx context.Context, queries []Q) ([]A, error) {
		resp, err := rpc(ctx, request(queries))
		if err != nil {
			return nil, err
		}
		return resp.GetAnswers(), nil
	}
	cfg.MaxQueries = min(max(cfg.MaxQueries, 1), idbatch.MaxQueries)
	cfg.MaxWeight = 0
	return &Read[Q, A]{merged: coalesce.New(name, cfg, nil, call), alone: alone, call: call}
}

// lookup is the Read of an RPC that looks ids up (ids reads a query's): the queries of a call go
// as one look at the union of their ids (at most idbatch.Max), each answer cut from what it
// found.
func lookup[Q, A, F any](cfg coalesce.Config, name string, ids func(Q) []int64,
	look func(context.Context, []int64) (F, error), cut func(found F, ids []int64) A) *Read[Q, A] {
	call := func(ctx context.Context, queries []Q) ([]A, error) {
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
	cfg.MaxQueries = min(max(cfg.MaxQueries, 1), idbatch.MaxQueries)
	cfg.MaxWeight = idbatch.Max
	return &Read[Q, A]{merged: coalesce.New(name, cfg, func(q Q) int { return len(ids(q)) }, call)}
}

// cutVideos is the part of a merged MGetVideos that ids asked for: their videos, and the work
// counts of those videos' authors.
func cutVideos(all *video.MGetVideosResponse, ids []int64) *video.MGetVideosResponse {
	videos := inOrder(byID(all.GetVideos(), (*video.Video).GetId), ids)
	out := &video.MGetVideosResponse{Videos: videos, WorkCounts: make(map[int64]int64, len(videos))}
	for _, v := range videos {
		if n, ok := all.GetWorkCounts()[v.GetAuthorId()]; ok {
			out.WorkCounts[v.GetAuthorId()] = n
		}
	}
	return out
}

// byID indexes items by their id.
func byID[T any](items []T, id func(T) int64) map[int64]T {
	out := make(map[int64]T, len(items))
	for _, it := range items {
		out[id(it)] = it
	}
	return out
}

// inOrder returns the items of found that ids name, in the order of ids.
func inOrder[T any](found map[int64]T, ids []int64) []T {
	var out []T
	for _, id := range ids {
		if it, ok := found[id]; ok {
			out = append(out, it)
		}
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
