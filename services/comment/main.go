// Command comment is the comment service: comments and their counts.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cloudwego/kitex/server"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/kitex_gen/comment/commentservice"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/comment/internal/biz"
	"simpletiktok/services/comment/internal/dal"
	"simpletiktok/services/comment/migrations"
)

func main() {
	if err := bootstrap.Run(rpc.CommentService, os.Args[1:], migrations.FS(), register); err != nil {
		fmt.Fprintln(os.Stderr, "comment:", err)
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
	comments := biz.NewComments(dal.NewComments(gdb, cache), videos, time.Now)
	return commentservice.NewServer(&handler{comments: comments, log: svc.Log}, opts...), nil
}
