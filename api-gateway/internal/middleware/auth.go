package middleware

import (
	"context"
	"net/http"
	"strings"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/pkg/errno"
)

// Verifier checks a token and returns the user it names.
type Verifier interface {
	Verify(token string) (int64, error)
}

const viewerKey = "viewer_id"

// Viewer returns the id of the verified caller, or 0 for an anonymous one.
func Viewer(c *app.RequestContext) int64 {
	return c.GetInt64(viewerKey)
}

// RequireToken lets the request through only with a valid token, and records its user as the
// caller. Identity comes from nowhere else. A refusal carries the endpoint's other fields at their
// zero values (blank), so its shape is the endpoint's own.
func RequireToken(v Verifier, blank map[string]any) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		id, err := v.Verify(tokenOf(c))
		if err != nil {
			c.Abort()
			WriteStatusWith(c, http.StatusOK, errno.Unauthorized, blank)
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
			if id, err := v.Verify(tok); err == nil {
				c.Set(viewerKey, id)
			}
		}
		c.Next(ctx)
	}
}

// tokenOf finds the token as the contract says: the query string, then the urlencoded form; an
// upload (multipart) gives its form field first. "Authorization: Bearer" is accepted last.
func tokenOf(c *app.RequestContext) string {
	multipart := strings.HasPrefix(string(c.ContentType()), "multipart/form-data")
	if multipart {
		if v, ok := c.GetPostForm("token"); ok && v != "" {
			return v
		}
	}
	if v, ok := c.GetQuery("token"); ok && v != "" {
		return v
	}
	if !multipart {
		if v, ok := c.GetPostForm("token"); ok && v != "" {
			return v
		}
	}
	if h := string(c.GetHeader("Authorization")); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	}
	return ""
}
