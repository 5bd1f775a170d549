package middleware

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/pkg/errno"
)

// A body must keep a minimum pace: once the reader has waited bodyGrace for it in all, at least
// minBodyRate bytes for each second waited since. A client that drips its body is cut off at its
// next byte instead of holding a connection, its memory and a spool budget for as long as it
// likes (a silent one, by http.read_timeout). Only the time spent waiting for the client counts,
// not the reader's own pauses (an upload waiting for spool budget). A phone on a poor network is
// far faster: 8 KiB/s is 64 kbit/s.
const (
	bodyGrace   = 10 * time.Second
	minBodyRate = 8 << 10
)

// ErrSlowBody is the read error of a body that fell below the minimum pace.
var ErrSlowBody = errno.BadRequest.WithMsg("the request body arrived slower than %d KiB a second", minBodyRate>>10)

// Paced is body, failing with ErrSlowBody once it falls below the minimum pace.
func Paced(body io.Reader) io.Reader { return &paced{body: body} }

type paced struct {
	body   io.Reader
	waited time.Duration // in body.Read
	read   int64
}

func (p *paced) Read(b []byte) (int, error) {
	start := time.Now()
	n, err := p.body.Read(b)
	p.waited += time.Since(start)
	p.read += int64(n)
	if late := p.waited - bodyGrace; late > 0 && p.read < int64(late.Seconds()*minBodyRate) {
		return n, ErrSlowBody
	}
	return n, err
}

// LimitBody caps the body of the requests it guards at max bytes. The server hands bodies over as
// streams (the upload needs it), and reading a form from a stream has no bound of its own: this
// reads the stream once, within the cap and the minimum pace, and leaves the body in memory for
// the form parsers. A larger or slower body is refused, with the endpoint's blank fields (which
// can read the query string only: the body is left unread).
func LimitBody(max int, blank Fields) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		if c.Request.IsBodyStream() {
			body, err := io.ReadAll(io.LimitReader(Paced(c.Request.BodyStream()), int64(max)+1))
			if err != nil || len(body) > max {
				refusal := errno.BadRequest.WithMsg("the request body is larger than %d bytes", max)
				if err == ErrSlowBody {
					refusal = ErrSlowBody
				}
				c.Abort()
				WriteStatusWith(c, http.StatusOK, refusal, blank.of(c))
				return
			}
			c.Request.SetBody(body)
		}
		c.Next(ctx)
	}
}
