// Package router registers the contract's sixteen endpoints, the built-in images and the health
// check on the Hertz server.
package router

import (
	"context"
	"net/http"
	"strings"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/route"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/handler"
	"simpletiktok/api-gateway/internal/media"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/api-gateway/internal/static"
	"simpletiktok/pkg/errno"
)

// access says who may call an endpoint.
type access int

const (
	public   access = iota // no token needed (register, login)
	optional               // a valid token identifies the caller; anything else is anonymous
	required               // a valid token is required
	upload                 // the handler reads the body as a stream and checks the token in it itself
)

// maxFormBody caps the body of every endpoint but the upload (parameters are short text).
const maxFormBody = 1 << 20

type endpoint struct {
	method, path string
	access       access
	handle       app.HandlerFunc
	// blank is the answer's other fields at their zero values, for refusals made before the
	// handler runs (lists [] and objects null, never absent; a comment delete has no comment).
	blank middleware.Fields
}

func list(name string) middleware.Fields {
	return func(*app.RequestContext) map[string]any { return map[string]any{name: []any{}} }
}

func object(name string) middleware.Fields {
	return func(*app.RequestContext) map[string]any { return map[string]any{name: nil} }
}

// Register adds every route to the engine. Each path is registered with its trailing slash, as
// the contract says, and without it, since clients do not follow a redirect for a POST.
func Register(r *route.Engine, h *handler.Handler, v middleware.Verifier) error {
	endpoints := []endpoint{
		{http.MethodGet, "/douyin/feed/", optional, h.Feed, nil},
		{http.MethodPost, "/douyin/user/register/", public, h.Register, nil},
		{http.MethodPost, "/douyin/user/login/", public, h.Login, nil},
		{http.MethodGet, "/douyin/user/", required, h.UserInfo, object("user")},
		{http.MethodPost, "/douyin/publish/action/", upload, h.PublishAction, nil},
		{http.MethodGet, "/douyin/publish/list/", required, h.PublishList, list("video_list")},
		{http.MethodPost, "/douyin/favorite/action/", required, h.FavoriteAction, nil},
		{http.MethodGet, "/douyin/favorite/list/", required, h.FavoriteList, list("video_list")},
		{http.MethodPost, "/douyin/comment/action/", required, h.CommentAction, handler.CommentActionBlank},
		{http.MethodGet, "/douyin/comment/list/", optional, h.CommentList, nil},
		{http.MethodPost, "/douyin/relation/action/", required, h.RelationAction, nil},
		{http.MethodGet, "/douyin/relation/follow/list/", required, h.FollowList, list("user_list")},
		{http.MethodGet, "/douyin/relation/follower/list/", required, h.FollowerList, list("user_list")},
		{http.MethodGet, "/douyin/relation/friend/list/", required, h.FriendList, list("user_list")},
		{http.MethodGet, "/douyin/message/chat/", required, h.MessageChat, list("message_list")},
		{http.MethodPost, "/douyin/message/action/", required, h.MessageAction, nil},
	}
	optionalToken := middleware.OptionalToken(v)
	for _, e := range endpoints {
		limit := middleware.LimitBody(maxFormBody, e.blank)
		var chain []app.HandlerFunc
		switch e.access {
		case public:
			chain = []app.HandlerFunc{limit, e.handle}
		case optional:
			chain = []app.HandlerFunc{limit, optionalToken, e.handle}
		case required:
			chain = []app.HandlerFunc{limit, middleware.RequireToken(v, e.blank), e.handle}
		case upload:
			chain = []app.HandlerFunc{e.handle}
		}
		r.Handle(e.method, e.path, chain...)
		r.Handle(e.method, strings.TrimSuffix(e.path, "/"), chain...)
	}

	avatar, err := static.Avatar()
	if err != nil {
		return err
	}
	cover, err := static.Cover()
	if err != nil {
		return err
	}
	r.GET(assemble.DefaultAvatar, avatar.Handler())
	r.GET(assemble.DefaultCover, cover.Handler())
	r.GET(assemble.MediaPath+"*"+media.KeyParam, h.Media)
	r.HEAD(assemble.MediaPath+"*"+media.KeyParam, h.Media)
	r.GET(middleware.HealthPath, func(ctx context.Context, c *app.RequestContext) {
		c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	r.NoRoute(func(ctx context.Context, c *app.RequestContext) {
		middleware.WriteStatus(c, http.StatusNotFound, errno.NotFound)
	})
	r.NoMethod(func(ctx context.Context, c *app.RequestContext) {
		middleware.WriteStatus(c, http.StatusMethodNotAllowed, errno.MethodNotAllowed)
	})
	return nil
}
