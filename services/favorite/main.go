// Command favorite is the favorite service: likes and their counts.
package main

import (
	"context"
	"fmt"
	"os"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/kitex_gen/favorite/favoriteservice"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/favorite/internal/biz"
	"simpletiktok/services/favorite/internal/dal"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "favorite:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	svc, err := bootstrap.New(rpc.FavoriteService, args)
	if err != nil {
		return err
	}
	defer svc.Close()

	ctx := context.Background()
	gdb, err := svc.OpenDB(ctx, dal.Migrate)
	if err != nil {
		return err
	}
	// Whether a video exists and who wrote it are the video service's to say.
	videos, err := svc.VideoPeer()
	if err != nil {
		return err
	}
	favorites := biz.NewFavorites(dal.NewLikes(gdb), videos)
	opts, err := svc.ServerOptions()
	if err != nil {
		return err
	}
	return svc.Serve(favoriteservice.NewServer(&handler{favorites: favorites, log: svc.Log}, opts...))
}
