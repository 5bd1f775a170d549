// Command message is the message service: chat messages and the latest message of each pair.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/kitex_gen/message/messageservice"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/message/internal/biz"
	"simpletiktok/services/message/internal/dal"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "message:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	svc, err := bootstrap.New(rpc.MessageService, args)
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
	messages := biz.NewMessages(dal.NewMessages(gdb, time.Now), users)
	opts, err := svc.ServerOptions()
	if err != nil {
		return err
	}
	return svc.Serve(messageservice.NewServer(&handler{messages: messages, log: svc.Log}, opts...))
}
