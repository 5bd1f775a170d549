// Command comment is the comment service: comments and their counts.
package main

import (
	"context"
	"fmt"
	"os"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/kitex_gen/comment/commentservice"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/comment/internal/biz"
	"simpletiktok/services/comment/internal/dal"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "comment:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	svc, err := bootstrap.New(rpc.CommentService, args)
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
	comments := biz.NewComments(dal.NewComments(gdb), videos)
	opts, err := svc.ServerOptions()
	if err != nil {
		return err
	}
	return svc.Serve(commentservice.NewServer(&handler{comments: comments, log: svc.Log}, opts...))
}
