// Command favorite is the favorite service: likes and their counts.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cloudwego/kitex/server"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/coalesce"
	"simpletiktok/pkg/kitex_gen/favorite/favoriteservice"
	"simpletiktok/pkg/metrics"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/favorite/internal/biz"
	"simpletiktok/services/favorite/internal/dal"
	"simpletiktok/services/favorite/migrations"
)

func main() {
	if err := bootstrap.Run(rpc.FavoriteService, os.Args[1:], migrations.FS(), register); err != nil {
		fmt.Fprintln(os.Stderr, "favorite:", err)
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
	// Whether a video exists and who wrote it are the video service's to say.
	videos, err := svc.VideoPeer()
	if err != nil {
		return nil, err
	}
	// How many likes and unlikes each group commit carries (dal, "Likes and unlikes commit in
	// groups").
	merged, err := metrics.NewMerged(svc.Metrics)
	if err != nil {
		return nil, err
	}
	favorites := biz.NewFavorites(dal.NewFavorites(gdb, cache, coalesce.Config{Tracer: svc.Tracer, Observe: merged.Call}), videos, time.Now)
	return favoriteservice.NewServer(&handler{favorites: favorites, log: svc.Log}, opts...), nil
}
