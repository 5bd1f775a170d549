package main

import (
	"context"
	"log/slog"

	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/user/internal/biz"
)

// handler adapts Kitex calls to the account rules.
type handler struct {
	users *biz.Users
	log   *slog.Logger
}

func (h *handler) Register(ctx context.Context, req *user.RegisterRequest) (*user.RegisterResponse, error) {
	id, err := h.users.Register(ctx, req.Username, req.Password)
	if err != nil {
		return nil, err
	}
	rpc.Wrote(ctx, h.log, "user.register", true, "user_id", id)
	return &user.RegisterResponse{UserId: id}, nil
}

func (h *handler) Login(ctx context.Context, req *user.LoginRequest) (*user.LoginResponse, error) {
	a, err := h.users.Login(ctx, req.Username, req.Password)
	if err != nil {
		return nil, err
	}
	return &user.LoginResponse{UserId: a.ID, TokenVersion: a.TokenVersion}, nil
}

func (h *handler) MGetUsers(ctx context.Context, req *user.MGetUsersRequest) (*user.MGetUsersResponse, error) {
	accounts, err := h.users.MGet(ctx, req.UserIds)
	if err != nil {
		return nil, err
	}
	resp := &user.MGetUsersResponse{Users: make([]*user.User, 0, len(accounts))}
	for _, a := range accounts {
		resp.Users = append(resp.Users, toProto(a))
	}
	if len(req.TokenVersionIds) > 0 {
		if resp.TokenVersions, err = h.users.TokenVersions(ctx, req.TokenVersionIds); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

func toProto(a *biz.Account) *user.User {
	return &user.User{Id: a.ID, Name: a.Username, AvatarKey: a.AvatarKey, BackgroundKey: a.BackgroundKey,
		Signature: a.Signature}
}
