// Package handler adapts HTTP requests of the contract to the services: it reads and checks the
// parameters, makes the calls (through the assembler for anything shown), and writes the JSON
// answer. Errors become {status_code, status_msg} here, and only here.
package handler

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/media"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/errno"
)

const successMsg = "success"

// Tokens signs a token for a user (the gateway is the only issuer) and verifies one; the upload
// verifies its own token, since it comes in the body the route reads as a stream.
type Tokens interface {
	Issue(userID int64) (string, error)
	middleware.Verifier
}

// Handler serves the sixteen endpoints of the contract.
type Handler struct {
	clients assemble.Clients
	pages   *assemble.Assembler
	tokens  Tokens
	media   *media.Library
	log     *slog.Logger
	zone    *time.Location // where comment dates are shown
}

// Option sets something of the handlers other than their dependencies.
type Option func(*Handler)

// New returns the handlers over their dependencies.
func New(clients assemble.Clients, pages *assemble.Assembler, tokens Tokens, lib *media.Library, log *slog.Logger, opts ...Option) *Handler {
	h := &Handler{clients: clients, pages: pages, tokens: tokens, media: lib, log: log, zone: defaultZone}
	for _, o := range opts {
		o(h)
	}
	return h
}

// status renders err as a status code and message without losing a downstream business code. An
// error that is not a business error is logged here with its detail, and the phone gets the
// generic code.
func (h *Handler) status(ctx context.Context, err error) (int32, string) {
	if err == nil {
		return errno.SuccessCode, successMsg
	}
	if errors.Is(err, errno.ServiceUnavailable) {
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
