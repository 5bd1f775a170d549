//go:build integration

package db_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"gorm.io/gorm"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
)

// A transaction waits its turn in the pool's queue; one whose caller's time ends there returns the
// context's error without running, and the queue moves on once the turn ahead is done.
func TestTransactionsWaitTheirTurn(t *testing.T) {
	schema := dbtest.Schema(t, "queue")
	cfg := config.MySQL{DSN: dbtest.DSN(), Database: schema, MaxOpenConns: 1}
	gdb, err := db.Open(context.Background(), cfg, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := gdb.DB(); err == nil {
			sqlDB.Close()
		}
	})

	entered, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- db.InTx(context.Background(), gdb, func(*gorm.DB) error {
			close(entered)
			<-release
			return nil
		})
	}()
	<-entered

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	ran := false
	err = db.InTx(ctx, gdb, func(*gorm.DB) error { ran = true; return nil })
	if !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Fatalf("a transaction whose time ended in the queue = %v, ran %v; want DeadlineExceeded, not run", err, ran)
	}

	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(context.Background(), gdb, func(*gorm.DB) error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("the next transaction = %v, ran %v; want it run", err, ran)
	}
}
