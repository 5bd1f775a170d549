package application

import (
	"context"
	"errors"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/rpc"
)

// Register creates an account and logs it in at once: it answers the new user's id and a token.
// A second sending could find the name taken by the first, so a registration whose outcome is
// unknown is settled by logging in with the same credentials: if they work, the account was made.
func (a *App) Register(ctx context.Context, username, password string) (int64, string, error) {
	req := &user.RegisterRequest{Username: username, Password: password}
	resp, err := write(ctx, a, rpc.UserService, rpc.Once, func(ctx context.Context) (*user.RegisterResponse, error) {
		return a.clients.User.Register(ctx, req)
	})
	if errors.Is(err, errno.OutcomeUnknown) {
		login, lerr := a.clients.Reads.Login.Do(ctx, &user.LoginRequest{Username: username, Password: password})
		if lerr != nil {
			return 0, "", err
		}
		resp, err = &user.RegisterResponse{UserId: login.UserId}, nil
	}
	if err != nil {
		return 0, "", err
	}
	a.events.Registered()
	return a.logIn(resp.UserId, 0) // a new account's tokens are of version 0
}

// Login checks the credentials and answers the user's id and a token.
func (a *App) Login(ctx context.Context, username, password string) (int64, string, error) {
	resp, err := a.clients.Reads.Login.Do(ctx, &user.LoginRequest{Username: username, Password: password})
	if err != nil {
		if errors.Is(err, errno.UserLoginFailed) {
			a.events.LoggedIn(false)
		}
		return 0, "", err
	}
	a.events.LoggedIn(true)
	return a.logIn(resp.UserId, resp.TokenVersion)
}

func (a *App) logIn(id, version int64) (int64, string, error) {
	token, err := a.tokens.Issue(id, version)
	if err != nil {
		return 0, "", err
	}
	return id, token, nil
}

// User shows user id as viewer sees them, or errno.UserNotFound.
func (a *App) User(ctx context.Context, viewer, id int64) (*douyin.User, error) {
	return a.pages.User(ctx, viewer, id)
}
