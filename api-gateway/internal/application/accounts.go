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
func (a *App) Register(ctx context.Context, username, password string) (int64, string, error) {
	resp, err := a.clients.User.Register(ctx, &user.RegisterRequest{Username: username, Password: password})
	if err != nil {
		return 0, "", rpc.ClientError(err)
	}
	a.events.Registered()
	return a.logIn(resp.UserId)
}

// Login checks the credentials and answers the user's id and a token.
func (a *App) Login(ctx context.Context, username, password string) (int64, string, error) {
	resp, err := a.clients.User.Login(ctx, &user.LoginRequest{Username: username, Password: password})
	if err != nil {
		err = rpc.ClientError(err)
		if errors.Is(err, errno.UserLoginFailed) {
			a.events.LoggedIn(false)
		}
		return 0, "", err
	}
	a.events.LoggedIn(true)
	return a.logIn(resp.UserId)
}

func (a *App) logIn(id int64) (int64, string, error) {
	token, err := a.tokens.Issue(id)
	if err != nil {
		return 0, "", err
	}
	return id, token, nil
}

// User shows user id as viewer sees them, or errno.UserNotFound.
func (a *App) User(ctx context.Context, viewer, id int64) (*douyin.User, error) {
	return a.pages.User(ctx, viewer, id)
}
