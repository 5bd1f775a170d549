// Command video is the video service: videos, their publish times and per-author work counts.
// The gateway stores the media; this service keeps the rows that point at them.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/video/internal/biz"
	"simpletiktok/services/video/internal/dal"
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

	ctx := context.Background()
	gdb, err := svc.OpenDB(ctx, dal.Migrate)
	if err != nil {
		return err
	}
	videos := biz.NewVideos(dal.NewVideos(gdb), time.Now)
	opts, err := svc.ServerOptions()
	if err != nil {
		return err
	}
	return svc.Serve(videoservice.NewServer(&handler{videos: videos, log: svc.Log}, opts...))
}
