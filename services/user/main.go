// Command user is the user service: accounts, passwords and profiles.
package main

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/crypto/bcrypt"

	"simpletiktok/pkg/bootstrap"
	"simpletiktok/pkg/kitex_gen/user/userservice"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/user/internal/biz"
	"simpletiktok/services/user/internal/dal"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "user:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	svc, err := bootstrap.New(rpc.UserService, args)
	if err != nil {
		return err
	}
	defer svc.Close()

	ctx := context.Background()
	gdb, err := svc.OpenDB(ctx, dal.Migrate)
	if err != nil {
		return err
	}
	users, err := biz.NewUsers(dal.NewUsers(gdb), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	opts, err := svc.ServerOptions()
	if err != nil {
		return err
	}
	return svc.Serve(userservice.NewServer(&handler{users: users, log: svc.Log}, opts...))
}
