// Command message is the message service: chat messages and the latest message of each pair.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cloudwego/kitex/server"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/kitex_gen/message/messageservice"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/message/internal/biz"
	"simpletiktok/services/message/internal/dal"
	"simpletiktok/services/message/migrations"
)

func main() {
	if err := bootstrap.Run(rpc.MessageService, os.Args[1:], migrations.FS(), register); err != nil {
		fmt.Fprintln(os.Stderr, "message:", err)
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
	messages := biz.NewMessages(dal.NewMessages(gdb, cache), users, time.Now)
	return messageservice.NewServer(&handler{messages: messages, log: svc.Log}, opts...), nil
}
