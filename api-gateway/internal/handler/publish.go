package handler

import (
	"context"
	"errors"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/media"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/errno"
)

// PublishAction records the video of an upload that ReadUpload read. Nothing is kept when it
// fails.
func (h *Handler) PublishAction(ctx context.Context, c *app.RequestContext) {
	err := h.publish(ctx, c)
	code, msg := h.status(ctx, err)
	write(c, code, &douyin.StatusResponse{StatusCode: code, StatusMsg: msg})
}

const uploadKey = "upload"

// upload is a publish body as ReadUpload read it.
type upload struct {
	form *media.Form
	err  error
}

// ReadUpload reads a publish body (multipart data, token, title) as a stream, its file to the
// spool, for PublishAction, and removes the file once the request is answered. It runs before a
// place in flight is taken, at the body's minimum pace. The route has no token middleware, which
// would read the body whole: a token known before the file starts is checked then, so a
// stranger's file is never stored; one that comes after the file is checked once the body is read
// (the file meanwhile within the spool's budget for the unverified).
func (h *Handler) ReadUpload(ctx context.Context, c *app.RequestContext) {
	form, err := h.media.ReadForm(middleware.Paced(c.Request.BodyStream()), string(c.ContentType()),
		int64(c.Request.Header.ContentLength()), func(f *media.Form) (bool, error) {
			if middleware.Token(c, f.Token) == "" {
				return false, nil // it may come after the file
			}
			_, err := h.uploader(ctx, c, f)
			return err == nil, err
		})
	defer form.Discard()
	if err != nil {
		// The answer comes before the body's end: the connection closes after it, so that the
		// phone does not send its next request on a connection the rest of this body still holds.
		c.Response.SetConnectionClose()
	}
	c.Set(uploadKey, upload{form, err})
	c.Next(ctx)
}

// publish answers who asks before what is wrong with the upload, unless the gateway stopped
// reading for its own load (a full spool) before the token came: the token may be fine.
func (h *Handler) publish(ctx context.Context, c *app.RequestContext) error {
	v, _ := c.Get(uploadKey)
	up, ok := v.(upload)
	if !ok {
		return errno.VideoBadUpload
	}
	author, authErr := h.uploader(ctx, c, up.form)
	switch {
	case errors.Is(up.err, errno.Busy) && middleware.Token(c, up.form.Token) == "":
		return up.err
	case authErr != nil:
		return authErr
	case up.err != nil:
		return up.err
	}
	return h.app.Publish(ctx, author, up.form.Title, up.form.File)
}

// uploader is the verified caller of an upload.
func (h *Handler) uploader(ctx context.Context, c *app.RequestContext, form *media.Form) (int64, error) {
	id, err := h.tokens.Verify(ctx, middleware.Token(c, form.Token))
	if err != nil {
		return 0, middleware.Unauthorized(err)
	}
	return id, nil
}
