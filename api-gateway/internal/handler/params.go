package handler

import (
	"strconv"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/pkg/errno"
)

// param reads a parameter as the contract says: the query string first, then the form body.
func param(c *app.RequestContext, name string) (string, bool) {
	if v, ok := c.GetQuery(name); ok {
		return v, true
	}
	return c.GetPostForm(name)
}

// idParam reads a positive int64 id. When the parameter is absent it returns fallback, or an error
// if fallback is 0 (the id is required).
func idParam(c *app.RequestContext, name string, fallback int64) (int64, error) {
	v, ok := param(c, name)
	if !ok || v == "" {
		if fallback > 0 {
			return fallback, nil
		}
		return 0, errno.BadRequest.WithMsg("%s is required", name)
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, errno.BadRequest.WithMsg("%s must be a positive integer", name)
	}
	return id, nil
}
