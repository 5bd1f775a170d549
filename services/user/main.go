// Command user is the user service: accounts, passwords and profiles.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cloudwego/kitex/server"
	"golang.org/x/crypto/bcrypt"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/kitex_gen/user/userservice"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/user/internal/biz"
	"simpletiktok/services/user/internal/dal"
	"simpletiktok/services/user/migrations"
)

func main() {
	if err := bootstrap.Run(rpc.UserService, os.Args[1:], migrations.FS(), register); err != nil {
		fmt.Fprintln(os.Stderr, "user:", err)
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
	users, err := biz.NewUsers(dal.NewUsers(gdb, cache), bcrypt.DefaultCost, time.Now)
	if err != nil {
		return nil, err
	}
	return userservice.NewServer(&handler{users: users, log: svc.Log}, opts...), nil
}
