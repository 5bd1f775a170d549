// Package handler adapts HTTP requests of the contract to the application layer: each handler
// reads and checks its parameters (params.go), makes one call into internal/application, and
// writes the JSON answer. Errors become {status_code, status_msg} here, and only here.
package handler

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/internal/application"
	"simpletiktok/api-gateway/internal/media"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/errno"
)

const successMsg = "success"

// Handler serves the sixteen endpoints of the contract.
type Handler struct {
	app    *application.App
	tokens middleware.Verifier // the upload checks its own token, which comes in the streamed body
	media  *media.Library      // reads uploads and serves media
	log    *slog.Logger
}

// New returns the handlers over the use cases.
func New(uses *application.App, tokens middleware.Verifier, lib *media.Library, log *slog.Logger) *Handler {
	return &Handler{app: uses, tokens: tokens, media: lib, log: log}
}

// status renders err as a status code and message without losing a downstream business code. An
// error that is not a business error is logged here with its detail, and the phone gets the
// generic code.
func (h *Handler) status(ctx context.Context, err error) (int32, string) {
	if err == nil {
		return errno.SuccessCode, successMsg
	}
	switch {
	case errors.Is(err, errno.Timeout): // a timed-out write was rolled back: a note, not a failure here
		h.log.WarnContext(ctx, "backend call timed out", "error", err)
		return errno.Timeout.Code, errno.Timeout.Msg
	case errors.Is(err, errno.ServiceUnavailable):
		h.log.ErrorContext(ctx, "backend call failed", "error", err)
		return errno.ServiceUnavailable.Code, errno.ServiceUnavailable.Msg
	}
	if e, ok := errno.From(err); ok {
		return e.Code, e.Msg
	}
	h.log.ErrorContext(ctx, "request failed", "error", err)
	return errno.Internal.Code, errno.Internal.Msg
}

// write sends the answer (always HTTP 200 JSON) and records its code for the span and access log.
func write(c *app.RequestContext, code int32, resp any) {
	middleware.SetBusinessCode(c, code)
	c.JSON(http.StatusOK, resp)
}
