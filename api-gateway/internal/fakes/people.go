package fakes

import (
	"context"
	"fmt"

	"github.com/cloudwego/kitex/client/callopt"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/kitex_gen/message"
	"simpletiktok/pkg/kitex_gen/message/messageservice"
	"simpletiktok/pkg/kitex_gen/relation"
	"simpletiktok/pkg/kitex_gen/relation/relationservice"
	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/user/userservice"
)

func exists(id int64) bool { return id < MissingFrom || id > MissingTo }

// tooMany refuses a batch larger than a service takes.
func tooMany(n int) error {
	if n > idbatch.Max {
		return BizErr(errno.BadRequest.WithMsg("too many ids"))
	}
	return nil
}

type users struct{ b *Backend }

var _ userservice.Client = users{}

func (u users) Register(_ context.Context, req *user.RegisterRequest, _ ...callopt.Option) (*user.RegisterResponse, error) {
	if err := u.b.record("user.Register", req); err != nil {
		return nil, err
	}
	return &user.RegisterResponse{UserId: RegisteredID}, nil
}

func (u users) Login(_ context.Context, req *user.LoginRequest, _ ...callopt.Option) (*user.LoginResponse, error) {
	if err := u.b.record("user.Login", req); err != nil {
		return nil, err
	}
	return &user.LoginResponse{UserId: RegisteredID}, nil
}

func (u users) MGetUsers(_ context.Context, req *user.MGetUsersRequest, _ ...callopt.Option) (*user.MGetUsersResponse, error) {
	if err := u.b.record("user.MGetUsers", req); err != nil {
		return nil, err
	}
	if err := tooMany(len(req.UserIds)); err != nil {
		return nil, err
	}
	resp := &user.MGetUsersResponse{}
	for _, id := range req.UserIds {
		if exists(id) {
			resp.Users = append(resp.Users, &user.User{Id: id, Name: fmt.Sprint("u", id)})
		}
	}
	return resp, nil
}

type relations struct{ b *Backend }

var _ relationservice.Client = relations{}

func (r relations) RelationAction(_ context.Context, req *relation.RelationActionRequest, _ ...callopt.Option) (*relation.RelationActionResponse, error) {
	if err := r.b.record("relation.RelationAction", req); err != nil {
		return nil, err
	}
	return &relation.RelationActionResponse{}, nil
}

func (r relations) list(method string, req *relation.ListRequest) (*relation.ListResponse, error) {
	answers, err := each(r.b, method, req.Queries, func(q *relation.ListQuery) (*relation.ListAnswer, error) {
		return &relation.ListAnswer{UserIds: r.b.Relations, Stats: relationStats(q.ViewerId, r.b.Relations)}, nil
	})
	if err != nil {
		return nil, err
	}
	return &relation.ListResponse{Answers: answers}, nil
}

// relationStats are the relation counts of ids as viewer sees them, by the rules of the fake
// world.
func relationStats(viewer int64, ids []int64) map[int64]*relation.UserRelationStat {
	stats := map[int64]*relation.UserRelationStat{}
	for _, id := range ids {
		stats[id] = &relation.UserRelationStat{FollowCount: id * 10, FollowerCount: id * 100,
			IsFollow: viewer != 0 && id%2 == 0}
	}
	return stats
}

func (r relations) ListFollowing(_ context.Context, req *relation.ListRequest, _ ...callopt.Option) (*relation.ListResponse, error) {
	return r.list("relation.ListFollowing", req)
}

func (r relations) ListFollowers(_ context.Context, req *relation.ListRequest, _ ...callopt.Option) (*relation.ListResponse, error) {
	return r.list("relation.ListFollowers", req)
}

func (r relations) ListFriends(_ context.Context, req *relation.ListRequest, _ ...callopt.Option) (*relation.ListResponse, error) {
	return r.list("relation.ListFriends", req)
}

func (r relations) UserStats(_ context.Context, req *relation.UserStatsRequest, _ ...callopt.Option) (*relation.UserStatsResponse, error) {
	answers, err := each(r.b, "relation.UserStats", req.Queries, func(q *relation.UserStatsQuery) (*relation.UserStatsAnswer, error) {
		if err := tooMany(len(q.UserIds)); err != nil {
			return nil, err
		}
		return &relation.UserStatsAnswer{Stats: relationStats(q.ViewerId, q.UserIds)}, nil
	})
	if err != nil {
		return nil, err
	}
	return &relation.UserStatsResponse{Answers: answers}, nil
}

type messages struct{ b *Backend }

var _ messageservice.Client = messages{}

func (m messages) SendMessage(_ context.Context, req *message.SendMessageRequest, _ ...callopt.Option) (*message.SendMessageResponse, error) {
	if err := m.b.record("message.SendMessage", req); err != nil {
		return nil, err
	}
	return &message.SendMessageResponse{Message: &message.Message{Id: 1, FromUserId: req.FromUserId,
		ToUserId: req.ToUserId, Content: req.Content, CreateTimeMs: PostedAt}}, nil
}

func (m messages) Chat(_ context.Context, req *message.ChatRequest, _ ...callopt.Option) (*message.ChatResponse, error) {
	if err := m.b.record("message.Chat", req); err != nil {
		return nil, err
	}
	return &message.ChatResponse{Messages: m.b.ChatMessages}, nil
}

func (m messages) LatestMessages(_ context.Context, req *message.LatestMessagesRequest, _ ...callopt.Option) (*message.LatestMessagesResponse, error) {
	answers, err := each(m.b, "message.LatestMessages", req.Queries, func(q *message.LatestMessagesQuery) (*message.LatestMessagesAnswer, error) {
		if err := tooMany(len(q.PeerIds)); err != nil {
			return nil, err
		}
		latest := map[int64]*message.Message{}
		for _, p := range q.PeerIds {
			switch {
			case p%4 == 0:
				latest[p] = &message.Message{Id: p, FromUserId: q.UserId, ToUserId: p, Content: fmt.Sprint("to ", p)}
			case p%2 == 0:
				latest[p] = &message.Message{Id: p, FromUserId: p, ToUserId: q.UserId, Content: fmt.Sprint("from ", p)}
			}
		}
		return &message.LatestMessagesAnswer{Latest: latest}, nil
	})
	if err != nil {
		return nil, err
	}
	return &message.LatestMessagesResponse{Answers: answers}, nil
}
