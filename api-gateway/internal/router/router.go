// Package router registers the contract's sixteen endpoints, the built-in images and the health
// check on the Hertz server.
package router

import (
	"context"
	"net/http"
	"strings"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/route"

	"simpletiktok/api-gateway/apidocs"
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
	limit        middleware.Limit // the rate limit it is subject to, besides the cap on requests in flight
	handle       app.HandlerFunc
	// blank is the answer's other fields at their zero values, for refusals made before the
	// handler runs (lists [] and objects null, never absent; a comment delete has no comment).
	blank middleware.Fields
}

func list(name string) middleware.Fields {
	return func(*app.RequestContext) map[string]any { return map[string]any{name: []any{}} }
}

// account is the blank answer of register and login: no user, and the token "" that the contract
// shows on a refused register.
func account(*app.RequestContext) map[string]any { return map[string]any{"user_id": 0, "token": ""} }

func object(name string) middleware.Fields {
	return func(*app.RequestContext) map[string]any { return map[string]any{name: nil} }
}

// Register adds every route to the engine. Each path is registered with its trailing slash, as
// the contract says, and without it, since clients do not follow a redirect for a POST. adm, when
// not nil, admits each request before any work is done for it: the cap on requests in flight,
// then the endpoint's rate limit (per address before the body is read, per user once the token is
// checked).
func Register(r *route.Engine, h *handler.Handler, v middleware.Verifier, adm *middleware.Admission) error {
	n := middleware.NoLimit
	endpoints := []endpoint{
		{http.MethodGet, "/douyin/feed/", optional, n, h.Feed, handler.FeedBlank},
		{http.MethodPost, "/douyin/user/register/", public, middleware.RegisterPerIP, h.Register, account},
		{http.MethodPost, "/douyin/user/login/", public, middleware.LoginPerIP, h.Login, account},
		{http.MethodGet, "/douyin/user/", required, n, h.UserInfo, object("user")},
		{http.MethodPost, "/douyin/publish/action/", upload, middleware.PublishPerIP, h.PublishAction, nil},
		{http.MethodGet, "/douyin/publish/list/", required, n, h.PublishList, list("video_list")},
		{http.MethodPost, "/douyin/favorite/action/", required, middleware.WritePerUser, h.FavoriteAction, nil},
		{http.MethodGet, "/douyin/favorite/list/", required, n, h.FavoriteList, list("video_list")},
		{http.MethodPost, "/douyin/comment/action/", required, middleware.WritePerUser, h.CommentAction, handler.CommentActionBlank},
		{http.MethodGet, "/douyin/comment/list/", optional, n, h.CommentList, list("comment_list")},
		{http.MethodPost, "/douyin/relation/action/", required, middleware.WritePerUser, h.RelationAction, nil},
		{http.MethodGet, "/douyin/relation/follow/list/", required, n, h.FollowList, list("user_list")},
		{http.MethodGet, "/douyin/relation/follower/list/", required, n, h.FollowerList, list("user_list")},
		{http.MethodGet, "/douyin/relation/friend/list/", required, n, h.FriendList, list("user_list")},
		{http.MethodGet, "/douyin/message/chat/", required, n, h.MessageChat, list("message_list")},
		{http.MethodPost, "/douyin/message/action/", required, middleware.WritePerUser, h.MessageAction, nil},
	}
	optionalToken := middleware.OptionalToken(v)
	for _, e := range endpoints {
		// Each chain starts with the reading of the body: in memory within a cap, or the upload's
		// to the spool.
		body := middleware.LimitBody(maxFormBody, e.blank)
		var chain []app.HandlerFunc
		switch e.access {
		case public:
			chain = []app.HandlerFunc{body, e.handle}
		case optional:
			chain = []app.HandlerFunc{body, optionalToken, e.handle}
		case required:
			chain = []app.HandlerFunc{body, middleware.RequireToken(v, e.blank), e.handle}
		case upload:
			chain = []app.HandlerFunc{h.ReadUpload, e.handle}
		}
		chain = admit(adm, e, chain)
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
	apidocs.Register(r) // the OpenAPI description and its Swagger UI page at /docs, no token needed
	r.NoRoute(func(ctx context.Context, c *app.RequestContext) {
		middleware.WriteStatus(c, http.StatusNotFound, errno.NotFound)
	})
	r.NoMethod(func(ctx context.Context, c *app.RequestContext) {
		middleware.WriteStatus(c, http.StatusMethodNotAllowed, errno.MethodNotAllowed)
	})
	return nil
}

// admit puts the admission handlers of e around its chain: the per-address bucket first, the cap
// on requests in flight once the body is read (a client that drips its body holds a connection,
// not a place: issue 26), the per-user bucket just before the handler (after the token check).
func admit(adm *middleware.Admission, e endpoint, chain []app.HandlerFunc) []app.HandlerFunc {
	if adm == nil {
		return chain
	}
	var out []app.HandlerFunc
	if before := adm.Before(e.limit, e.blank); before != nil {
		out = append(out, before)
	}
	out = append(out, chain[0], adm.InFlight(e.blank))
	out = append(out, chain[1:len(chain)-1]...)
	if after := adm.After(e.limit, e.blank); after != nil {
		out = append(out, after)
	}
	return append(out, chain[len(chain)-1])
}
