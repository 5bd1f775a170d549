// Command relation is the relation service: follows, followers, friends and their counters.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/kitex_gen/relation/relationservice"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/relation/internal/biz"
	"simpletiktok/services/relation/internal/dal"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "relation:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	svc, err := bootstrap.New(rpc.RelationService, args)
	if err != nil {
		return err
	}
	defer svc.Close()

	ctx := context.Background()
	gdb, err := svc.OpenDB(ctx, dal.Migrate)
	if err != nil {
		return err
	}
	users, err := svc.UserPeer()
	if err != nil {
		return err
	}
	relations := biz.NewRelations(dal.NewRelations(gdb, time.Now), users)
	opts, err := svc.ServerOptions()
	if err != nil {
		return err
	}
	return svc.Serve(relationservice.NewServer(&handler{relations: relations, log: svc.Log}, opts...))
}
