package middleware

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/pkg/errno"
)

// Recover turns a panic anywhere below it into the JSON answer of errno.Internal (HTTP 200, as
// the contract wants), logging the panic and its stack once. The connection is never dropped.
func Recover(log *slog.Logger) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		defer func() {
			if r := recover(); r != nil {
				log.ErrorContext(ctx, "panic while serving request", "path", string(c.URI().Path()),
					"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				c.Abort()
				c.Response.ResetBody()
				WriteStatus(c, http.StatusOK, errno.Internal)
			}
		}()
		c.Next(ctx)
	}
}

// WriteStatus answers with just {status_code, status_msg}.
func WriteStatus(c *app.RequestContext, httpStatus int, e *errno.Error) {
	WriteStatusWith(c, httpStatus, e, nil)
}

// WriteStatusWith answers with {status_code, status_msg} and the given other fields.
func WriteStatusWith(c *app.RequestContext, httpStatus int, e *errno.Error, fields map[string]any) {
	body := make(map[string]any, len(fields)+2)
	for k, v := range fields {
		body[k] = v
	}
	body["status_code"], body["status_msg"] = e.Code, e.Msg
	SetBusinessCode(c, e.Code)
	c.JSON(httpStatus, body)
}
