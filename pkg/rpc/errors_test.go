package rpc

import (
	"context"
	"log/slog"
	"testing"
)

func TestClientErrorOfNil(t *testing.T) {
	if ClientError(nil) != nil || ServerError(context.Background(), slog.New(slog.DiscardHandler), nil) != nil {
		t.Fatal("nil must stay nil")
	}
}
