package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

func TestWroteSaysTheActionItsOutcomeAndIDs(t *testing.T) {
	var out bytes.Buffer
	Wrote(context.Background(), slog.New(slog.NewJSONHandler(&out, nil)), "favorite.like", false, "user_id", int64(3), "video_id", int64(9))
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("%q: %v", out.String(), err)
	}
	if line["msg"] != "write" || line["level"] != "INFO" || line["action"] != "favorite.like" || line["changed"] != false ||
		line["user_id"] != 3.0 || line["video_id"] != 9.0 {
		t.Fatalf("the line = %v", line)
	}
}
