package middleware

import (
	"context"
	"net/http"
	"strings"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/pkg/errno"
)

// Verifier checks a token and returns the user it names. A refusal that is an *errno.Error (a
// revoked token) is answered as it is; any other as errno.Unauthorized.
type Verifier interface {
	Verify(ctx context.Context, token string) (int64, error)
}

// Unauthorized is the answer to a token refused with err.
func Unauthorized(err error) *errno.Error {
	if e, ok := errno.From(err); ok {
		return e
	}
	return errno.Unauthorized
}

const viewerKey = "viewer_id"

// Viewer returns the id of the verified caller, or 0 for an anonymous one.
func Viewer(c *app.RequestContext) int64 {
	return c.GetInt64(viewerKey)
}

// Fields are an endpoint's answer fields besides status_code and status_msg at their zero values
// (lists [], objects null), for a refusal made before its handler ran, so that the refusal has
// the endpoint's own shape. They may depend on the request (a comment delete answers no comment
// at all). A nil Fields adds nothing.
type Fields func(c *app.RequestContext) map[string]any

func (f Fields) of(c *app.RequestContext) map[string]any {
	if f == nil {
		return nil
	}
	return f(c)
}

// RequireToken lets the request through only with a valid token, and records its user as the
// caller. Identity comes from nowhere else. A refusal carries the endpoint's blank fields.
func RequireToken(v Verifier, blank Fields) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		id, err := v.Verify(ctx, tokenOf(c))
		if err != nil {
			c.Abort()
			WriteStatusWith(c, http.StatusOK, Unauthorized(err), blank.of(c))
			return
		}
		c.Set(viewerKey, id)
		c.Next(ctx)
	}
}

// OptionalToken records the caller when a valid token is given; a missing, invalid or expired
// one makes the request anonymous (the feed and the comment list are public).
func OptionalToken(v Verifier) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		if tok := tokenOf(c); tok != "" {
			if id, err := v.Verify(ctx, tok); err == nil {
				c.Set(viewerKey, id)
			}
		}
		c.Next(ctx)
	}
}

// tokenOf is Token for a request whose body is in memory: a multipart body's field is read here.
func tokenOf(c *app.RequestContext) string {
	var field string
	if isMultipart(c) && !c.Request.IsBodyStream() {
		field, _ = c.GetPostForm("token")
	}
	return Token(c, field)
}

// Token finds a request's token as the contract says: a multipart body's token field first, then
// the query string, then an urlencoded form body; "Authorization: Bearer" is accepted last.
// multipartField is that field as the body's reader found it (the upload reads its own body as a
// stream); a body still streaming is never parsed here.
func Token(c *app.RequestContext, multipartField string) string {
	if multipartField != "" {
		return multipartField
	}
	if v, ok := c.GetQuery("token"); ok && v != "" {
		return v
	}
	if !isMultipart(c) && !c.Request.IsBodyStream() {
		if v, ok := c.GetPostForm("token"); ok && v != "" {
			return v
		}
	}
	if bearer, ok := strings.CutPrefix(string(c.GetHeader("Authorization")), "Bearer "); ok {
		return strings.TrimSpace(bearer)
	}
	return ""
}

func isMultipart(c *app.RequestContext) bool {
	return strings.HasPrefix(string(c.ContentType()), "multipart/form-data")
}
