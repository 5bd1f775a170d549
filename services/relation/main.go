// Command relation is the relation service: follows, followers, friends and their counters.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cloudwego/kitex/server"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/kitex_gen/relation/relationservice"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/relation/internal/biz"
	"simpletiktok/services/relation/internal/dal"
	"simpletiktok/services/relation/migrations"
)

func main() {
	if err := bootstrap.Run(rpc.RelationService, os.Args[1:], migrations.FS(), register); err != nil {
		fmt.Fprintln(os.Stderr, "relation:", err)
		os.Exit(1)
	}
}

func register(ctx context.Context, svc *bootstrap.Service, opts []server.Option) (server.Server, error) {
	gdb, err := svc.OpenDB(ctx)
	if err != nil {
		return nil, err
	}
	cache, err := svc.OpenCache(ctx)
	if err != nil {
		return nil, err
	}
	// Whether a user exists is the user service's to say.
	users, err := svc.UserPeer()
	if err != nil {
		return nil, err
	}
	relations := biz.NewRelations(dal.NewRelations(gdb, cache), users, time.Now)
	return relationservice.NewServer(&handler{relations: relations, log: svc.Log}, opts...), nil
}
