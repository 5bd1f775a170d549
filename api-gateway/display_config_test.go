package main

import (
	"strings"
	"testing"
	"time"

	"simpletiktok/pkg/config"
)

func TestCommentZone(t *testing.T) {
	var c gatewayConfig
	if err := config.Load("config.yaml", &c); err != nil {
		t.Fatal(err)
	}
	loc, err := c.Display.Location()
	if err != nil || loc.String() != "Asia/Shanghai" {
		t.Fatalf("committed zone = %v, %v; want Asia/Shanghai", loc, err)
	}
	// 2024-03-09 20:00 UTC is already the 10th in Shanghai.
	if got := time.Date(2024, 3, 9, 20, 0, 0, 0, time.UTC).In(loc).Format("01-02"); got != "03-10" {
		t.Fatalf("date in Shanghai = %s; want 03-10", got)
	}

	t.Setenv("TIKTOK_TIME_ZONE", "America/New_York")
	if err := config.Load("config.yaml", &c); err != nil {
		t.Fatal(err)
	}
	if loc, _ := c.Display.Location(); loc.String() != "America/New_York" {
		t.Fatalf("TIKTOK_TIME_ZONE gave %v", loc)
	}

	// A config written before the key existed still starts, in the default zone.
	if loc, err := (displayConfig{}).Location(); err != nil || loc.String() != "Asia/Shanghai" {
		t.Fatalf("empty zone = %v, %v; want Asia/Shanghai", loc, err)
	}

	t.Setenv("TIKTOK_TIME_ZONE", "Mars/Olympus_Mons")
	err = config.Load("config.yaml", &c)
	if err == nil || !strings.Contains(err.Error(), "display.time_zone") {
		t.Fatalf("Load with an unknown zone = %v; want an error naming display.time_zone", err)
	}
}
