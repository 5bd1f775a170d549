package main

import (
	"context"
	"log/slog"

	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/kitex_gen/relation"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/relation/internal/biz"
)

// handler adapts Kitex calls to the follow rules.
type handler struct {
	relations *biz.Relations
	log       *slog.Logger
}

func (h *handler) RelationAction(ctx context.Context, req *relation.RelationActionRequest) (*relation.RelationActionResponse, error) {
	if err := h.relations.Act(ctx, req.UserId, req.ToUserId, biz.Action(req.Action)); err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	h.log.InfoContext(ctx, "relation action", "user_id", req.UserId, "to_user_id", req.ToUserId, "action", req.Action.String())
	return &relation.RelationActionResponse{}, nil
}

func (h *handler) ListFollowing(ctx context.Context, req *relation.ListRequest) (*relation.ListResponse, error) {
	ids, err := h.relations.Following(ctx, req.UserId)
	return h.list(ctx, req, ids, err)
}

func (h *handler) ListFollowers(ctx context.Context, req *relation.ListRequest) (*relation.ListResponse, error) {
	ids, err := h.relations.Followers(ctx, req.UserId)
	return h.list(ctx, req, ids, err)
}

func (h *handler) ListFriends(ctx context.Context, req *relation.ListRequest) (*relation.ListResponse, error) {
	ids, err := h.relations.Friends(ctx, req.UserId)
	return h.list(ctx, req, ids, err)
}

// list answers a list, with the stats of its users when asked and it fits one batch.
func (h *handler) list(ctx context.Context, req *relation.ListRequest, ids []int64, err error) (*relation.ListResponse, error) {
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	resp := &relation.ListResponse{UserIds: ids}
	if req.WithStats && len(ids) > 0 && len(ids) <= idbatch.Max {
		if resp.Stats, err = h.stats(ctx, req.ViewerId, ids); err != nil {
			return nil, rpc.ServerError(ctx, h.log, err)
		}
	}
	return resp, nil
}

// stats is what UserStats answers of ids as viewer sees them.
func (h *handler) stats(ctx context.Context, viewer int64, ids []int64) (map[int64]*relation.UserRelationStat, error) {
	stats, err := h.relations.StatsFor(ctx, viewer, ids)
	if err != nil {
		return nil, err
	}
	return statsToProto(stats), nil
}

// UserStatsBatch answers several pages' UserStats, read together.
func (h *handler) UserStatsBatch(ctx context.Context, req *relation.UserStatsBatchRequest) (*relation.UserStatsBatchResponse, error) {
	queries := make([]biz.StatsQuery, len(req.Queries))
	for i, q := range req.Queries {
		queries[i] = biz.StatsQuery{Viewer: q.GetViewerId(), IDs: q.GetUserIds()}
	}
	viewed, err := h.relations.StatsBatch(ctx, queries)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	resp := &relation.UserStatsBatchResponse{Answers: make([]*relation.UserStatsResponse, len(viewed))}
	for i, stats := range viewed {
		resp.Answers[i] = &relation.UserStatsResponse{Stats: statsToProto(stats)}
	}
	return resp, nil
}

func statsToProto(stats map[int64]biz.ViewedStats) map[int64]*relation.UserRelationStat {
	out := make(map[int64]*relation.UserRelationStat, len(stats))
	for id, s := range stats {
		out[id] = &relation.UserRelationStat{FollowCount: s.FollowCount, FollowerCount: s.FollowerCount, IsFollow: s.IsFollow}
	}
	return out
}

// IsFollowing is the viewer's part of UserStats, for gateways of the previous version
// (deprecated).
func (h *handler) IsFollowing(ctx context.Context, req *relation.IsFollowingRequest) (*relation.IsFollowingResponse, error) {
	following, err := h.relations.IsFollowing(ctx, req.ViewerId, req.UserIds)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	return &relation.IsFollowingResponse{Following: following}, nil
}

func (h *handler) UserStats(ctx context.Context, req *relation.UserStatsRequest) (*relation.UserStatsResponse, error) {
	stats, err := h.stats(ctx, req.ViewerId, req.UserIds)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	return &relation.UserStatsResponse{Stats: stats}, nil
}

// ListFollowingBatch answers several pages' ListFollowing (listBatch).
func (h *handler) ListFollowingBatch(ctx context.Context, req *relation.ListBatchRequest) (*relation.ListBatchResponse, error) {
	return h.listBatch(ctx, req, h.relations.FollowingOf)
}

// ListFollowersBatch answers several pages' ListFollowers (listBatch).
func (h *handler) ListFollowersBatch(ctx context.Context, req *relation.ListBatchRequest) (*relation.ListBatchResponse, error) {
	return h.listBatch(ctx, req, h.relations.FollowersOf)
}

// ListFriendsBatch answers several pages' ListFriends (listBatch).
func (h *handler) ListFriendsBatch(ctx context.Context, req *relation.ListBatchRequest) (*relation.ListBatchResponse, error) {
	return h.listBatch(ctx, req, h.relations.FriendsOf)
}

// listBatch answers a batch of lists of one kind: every query's ids, read together by read (one
// cache round trip), then the stats of every list that asks for them (as list does), read
// together with one StatsBatch.
func (h *handler) listBatch(ctx context.Context, req *relation.ListBatchRequest, read func(context.Context, []int64) (map[int64][]int64, error)) (*relation.ListBatchResponse, error) {
	users, distinct, err := idbatch.QueryIDs(req.Queries, (*relation.ListRequest).GetUserId)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	byUser, err := read(ctx, distinct)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	lists := make([][]int64, len(users))
	for i, u := range users {
		lists[i] = byUser[u]
	}
	resp := &relation.ListBatchResponse{Answers: make([]*relation.ListResponse, len(lists))}
	var (
		asked []biz.StatsQuery
		of    []int // of[j] is the answer asked[j] completes
	)
	for i, q := range req.Queries {
		resp.Answers[i] = &relation.ListResponse{UserIds: lists[i]}
		if q.GetWithStats() && len(lists[i]) > 0 && len(lists[i]) <= idbatch.Max {
			asked, of = append(asked, biz.StatsQuery{Viewer: q.GetViewerId(), IDs: lists[i]}), append(of, i)
		}
	}
	if len(asked) > 0 {
		viewed, err := h.relations.StatsBatch(ctx, asked)
		if err != nil {
			return nil, rpc.ServerError(ctx, h.log, err)
		}
		for j, i := range of {
			resp.Answers[i].Stats = statsToProto(viewed[j])
		}
	}
	return resp, nil
}
