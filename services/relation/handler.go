package main

import (
	"context"
	"log/slog"

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
	changed, err := h.relations.Act(ctx, req.UserId, req.ToUserId, biz.Action(req.Action))
	if err != nil {
		return nil, err
	}
	rpc.Wrote(ctx, h.log, "relation."+biz.Action(req.Action).String(), changed, "user_id", req.UserId, "to_user_id", req.ToUserId)
	return &relation.RelationActionResponse{}, nil
}

func (h *handler) ListFollowing(ctx context.Context, req *relation.ListRequest) (*relation.ListResponse, error) {
	return h.list(ctx, req, h.relations.Following)
}

func (h *handler) ListFollowers(ctx context.Context, req *relation.ListRequest) (*relation.ListResponse, error) {
	return h.list(ctx, req, h.relations.Followers)
}

func (h *handler) ListFriends(ctx context.Context, req *relation.ListRequest) (*relation.ListResponse, error) {
	return h.list(ctx, req, h.relations.Friends)
}

// list answers a batch of lists of one kind with the rules' lists of that kind.
func (h *handler) list(ctx context.Context, req *relation.ListRequest, lists func(context.Context, []biz.ListQuery) ([]biz.ListAnswer, error)) (*relation.ListResponse, error) {
	queries := make([]biz.ListQuery, len(req.Queries))
	for i, q := range req.Queries {
		queries[i] = biz.ListQuery{UserID: q.GetUserId(), Viewer: q.GetViewerId()}
	}
	answers, err := lists(ctx, queries)
	if err != nil {
		return nil, err
	}
	resp := &relation.ListResponse{Answers: make([]*relation.ListAnswer, len(answers))}
	for i, a := range answers {
		resp.Answers[i] = &relation.ListAnswer{UserIds: a.IDs, Stats: statsToProto(a.Stats)}
	}
	return resp, nil
}

// UserStats answers several pages' counts and follows, read together.
func (h *handler) UserStats(ctx context.Context, req *relation.UserStatsRequest) (*relation.UserStatsResponse, error) {
	queries := make([]biz.StatsQuery, len(req.Queries))
	for i, q := range req.Queries {
		queries[i] = biz.StatsQuery{Viewer: q.GetViewerId(), IDs: q.GetUserIds()}
	}
	viewed, err := h.relations.Stats(ctx, queries)
	if err != nil {
		return nil, err
	}
	resp := &relation.UserStatsResponse{Answers: make([]*relation.UserStatsAnswer, len(viewed))}
	for i, stats := range viewed {
		resp.Answers[i] = &relation.UserStatsAnswer{Stats: statsToProto(stats)}
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
