// Command message is the message service: chat messages and the latest message of each pair.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/kitex_gen/message/messageservice"
	"simpletiktok/pkg/kitex_gen/user/userservice"
	"simpletiktok/pkg/peers"
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
	gdb, err := svc.OpenDB(ctx)
	if err != nil {
		return err
	}
	if err := dal.Migrate(ctx, gdb); err != nil {
		return err
	}
	clientOpts, err := svc.ClientOptions()
	if err != nil {
		return err
	}
	userClient, err := userservice.NewClient(rpc.UserService, clientOpts...)
	if err != nil {
		return fmt.Errorf("user service client: %w", err)
	}
	messages := biz.NewMessages(dal.NewMessages(gdb, time.Now), peers.NewUsers(userClient))
	opts, err := svc.ServerOptions()
	if err != nil {
		return err
	}
	return svc.Serve(messageservice.NewServer(&handler{messages: messages, log: svc.Log}, opts...))
}
