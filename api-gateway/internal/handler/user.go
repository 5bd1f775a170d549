package handler

import (
	"context"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/middleware"
)

// Register creates an account and logs it in at once: the answer carries a token.
func (h *Handler) Register(ctx context.Context, c *app.RequestContext) {
	username, _ := param(c, "username")
	password, _ := param(c, "password")
	resp := &douyin.AuthResponse{}
	var err error
	resp.UserId, resp.Token, err = h.app.Register(ctx, username, password)
	h.answerAuth(ctx, c, resp, err)
}

// Login checks the credentials and answers with a token.
func (h *Handler) Login(ctx context.Context, c *app.RequestContext) {
	username, _ := param(c, "username")
	password, _ := param(c, "password")
	resp := &douyin.AuthResponse{}
	var err error
	resp.UserId, resp.Token, err = h.app.Login(ctx, username, password)
	h.answerAuth(ctx, c, resp, err)
}

// answerAuth writes a register/login answer; on failure user_id is 0 and token "".
func (h *Handler) answerAuth(ctx context.Context, c *app.RequestContext, resp *douyin.AuthResponse, err error) {
	if err != nil {
		resp.UserId, resp.Token = 0, ""
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}

// UserInfo shows user_id (the caller when absent) as the caller sees them.
func (h *Handler) UserInfo(ctx context.Context, c *app.RequestContext) {
	viewer := middleware.Viewer(c)
	resp := &douyin.UserResponse{}
	id, err := idParam(c, "user_id", viewer)
	if err == nil {
		resp.User, err = h.app.User(ctx, viewer, id)
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	write(c, resp.StatusCode, resp)
}
