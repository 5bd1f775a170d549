// Command video is the video service: videos, publishing and the feed.
package main

import (
	"context"
	"fmt"
	"os"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
	"simpletiktok/pkg/rpc"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "video:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	svc, err := bootstrap.New(rpc.VideoService, args)
	if err != nil {
		return err
	}
	defer svc.Close()

	// The schema is created now so that every service owns its database from the first start.
	if _, err := svc.OpenDB(context.Background()); err != nil {
		return err
	}
	opts, err := svc.ServerOptions()
	if err != nil {
		return err
	}
	return svc.Serve(videoservice.NewServer(&handler{log: svc.Log}, opts...))
}
