package handler_test

import (
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/cloudwego/hertz/pkg/common/config"
	"github.com/cloudwego/hertz/pkg/common/ut"
	"github.com/cloudwego/hertz/pkg/route"

	"simpletiktok/api-gateway/internal/application"
	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/api-gateway/internal/handler"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/api-gateway/internal/router"
)

// gateway serves the real routes, handlers, use cases and assembler over the fake services; a
// token is "u<id>" (fakes.Tokens). It admits every request.
func gateway(t *testing.T, b *fakes.Backend, opts ...assemble.Option) *route.Engine {
	t.Helper()
	return admittingGateway(t, b, nil, opts...)
}

// admittingGateway is gateway with admission control adm (nil: none).
func admittingGateway(t *testing.T, b *fakes.Backend, adm *middleware.Admission, opts ...assemble.Option) *route.Engine {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	pages := assemble.New(b.Clients(), assemble.NewMedia("http://gw.test"), log, opts...)
	uses := application.New(b.Clients(), pages, fakes.Tokens{}, nil, &fakes.Events{}, log)
	engine := route.NewEngine(config.NewOptions(nil))
	if err := router.Register(engine, handler.New(uses, fakes.Tokens{}, nil, log), fakes.Tokens{}, adm); err != nil {
		t.Fatal(err)
	}
	return engine
}

// call sends method path?query and decodes the JSON answer.
func call(t *testing.T, e *route.Engine, method, pathQuery string, headers ...ut.Header) map[string]any {
	t.Helper()
	return send(t, e, method, pathQuery, nil, headers...)
}

// send is call with a body.
func send(t *testing.T, e *route.Engine, method, pathQuery string, body *ut.Body, headers ...ut.Header) map[string]any {
	t.Helper()
	w := ut.PerformRequest(e, method, pathQuery, body, headers...)
	resp := w.Result()
	if resp.StatusCode() != 200 {
		t.Fatalf("%s %s: HTTP %d %s", method, pathQuery, resp.StatusCode(), resp.Body())
	}
	var answer map[string]any
	if err := json.Unmarshal(resp.Body(), &answer); err != nil {
		t.Fatalf("%s %s: not JSON: %s", method, pathQuery, resp.Body())
	}
	return answer
}

func code(body map[string]any) int64 {
	n, _ := body["status_code"].(float64)
	return int64(n)
}

func num(v any) int64 {
	n, _ := v.(float64)
	return int64(n)
}

// isEmptyList says whether v is a JSON [] (not null, not absent).
func isEmptyList(v any) bool {
	l, ok := v.([]any)
	return ok && len(l) == 0
}
