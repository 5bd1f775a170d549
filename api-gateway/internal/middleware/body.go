package middleware

import (
	"context"
	"io"
	"net/http"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/pkg/errno"
)

// LimitBody caps the body of the requests it guards at max bytes. The server hands bodies over as
// streams (the upload needs it), and reading a form from a stream has no bound of its own: this
// reads the stream once, within the cap, and leaves the body in memory for the form parsers. A
// larger body is refused, with the endpoint's blank fields (which can read the query string only:
// the body is left unread).
func LimitBody(max int, blank Fields) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		if c.Request.IsBodyStream() {
			body, err := io.ReadAll(io.LimitReader(c.Request.BodyStream(), int64(max)+1))
			if err != nil || len(body) > max {
				c.Abort()
				WriteStatusWith(c, http.StatusOK, errno.BadRequest.WithMsg("the request body is larger than %d bytes", max), blank.of(c))
				return
			}
			c.Request.SetBody(body)
		}
		c.Next(ctx)
	}
}
