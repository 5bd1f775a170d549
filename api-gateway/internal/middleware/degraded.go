package middleware

import (
	"context"
	"log/slog"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/opentracing/opentracing-go"

	"simpletiktok/api-gateway/internal/degrade"
)

// Degraded gives each request a degradation report (degrade.Start) and, when the page was answered
// (status_code 0) without some of its decorations, says so once: a warning naming the calls that
// failed and why, the tags degraded=true and degraded.parts on the request's span, and one count
// by route in counter (nil: no metrics). A request that failed as a whole is not a degraded page:
// its failure is logged where it is decided.
func Degraded(log *slog.Logger, counter degrade.Counter) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		ctx, report := degrade.Start(ctx)
		c.Next(ctx)
		parts, errs := report.Parts()
		if parts == "" {
			return
		}
		if code, ok := c.Get(businessCodeKey); !ok || code != int32(0) {
			return
		}
		route := c.FullPath()
		log.WarnContext(ctx, "page served without some decorations: their counts and flags show as zero",
			"route", route, "degraded", parts, "errors", errs)
		if span := opentracing.SpanFromContext(ctx); span != nil {
			span.SetTag("degraded", true)
			span.SetTag("degraded.parts", parts)
		}
		if counter != nil {
			counter.Degraded(route)
		}
	}
}
