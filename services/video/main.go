// Command video is the video service: videos, their publish times and per-author work counts.
// The gateway stores the media; this service keeps the rows that point at them.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cloudwego/kitex/server"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/video/internal/biz"
	"simpletiktok/services/video/internal/dal"
	"simpletiktok/services/video/migrations"
)

func main() {
	if err := bootstrap.Run(rpc.VideoService, os.Args[1:], migrations.FS(), register); err != nil {
		fmt.Fprintln(os.Stderr, "video:", err)
		os.Exit(1)
	}
}

func register(ctx context.Context, svc *bootstrap.Service, opts []server.Option) (server.Server, error) {
	gdb, err := svc.OpenDB(ctx)
	if err != nil {
		return nil, err
	}
	if err := dal.StartClock(ctx, gdb); err != nil {
		return nil, err
	}
	videos := biz.NewVideos(dal.NewVideos(gdb), time.Now)
	return videoservice.NewServer(&handler{videos: videos, log: svc.Log}, opts...), nil
}
