package handler

import (
	"context"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/media"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/errno"
)

// PublishAction takes an upload (multipart data, token, title), stores its media and records the
// video. Nothing is kept when it fails.
func (h *Handler) PublishAction(ctx context.Context, c *app.RequestContext) {
	err := h.publish(ctx, c)
	code, msg := h.status(ctx, err)
	write(c, code, &douyin.StatusResponse{StatusCode: code, StatusMsg: msg})
}

// publish reads the body as a stream (the route has no token middleware, which would read it
// whole). A token known before the file starts is checked then, so a stranger's file is never
// stored; one that comes after the file is checked once the body is read. Who asks is answered
// before what is wrong with the upload.
func (h *Handler) publish(ctx context.Context, c *app.RequestContext) error {
	form, err := h.media.ReadForm(c.Request.BodyStream(), string(c.ContentType()),
		int64(c.Request.Header.ContentLength()), func(f *media.Form) error {
			if middleware.Token(c, f.Token) == "" {
				return nil // it may come after the file
			}
			_, err := h.uploader(c, f)
			return err
		})
	defer form.Discard()
	author, authErr := h.uploader(c, form)
	switch {
	case authErr != nil:
		return authErr
	case err != nil:
		return err
	}
	return h.app.Publish(ctx, author, form.Title, form.File)
}

// uploader is the verified caller of an upload.
func (h *Handler) uploader(c *app.RequestContext, form *media.Form) (int64, error) {
	id, err := h.tokens.Verify(middleware.Token(c, form.Token))
	if err != nil {
		return 0, errno.Unauthorized
	}
	return id, nil
}
