// Command user is the user service: accounts, passwords and profiles. `user revoke [-config
// file] USER_ID...` is its admin command: every token issued to those users so far is refused
// from then on (docs/security.md).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
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
	args := os.Args[1:]
	var err error
	if len(args) > 0 && args[0] == "revoke" {
		err = bootstrap.Command(rpc.UserService, args[1:], migrations.FS(), revoke)
	} else {
		err = bootstrap.Run(rpc.UserService, args, migrations.FS(), register)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "user:", err)
		os.Exit(1)
	}
}

func register(ctx context.Context, svc *bootstrap.Service, opts []server.Option) (server.Server, error) {
	users, err := openUsers(ctx, svc)
	if err != nil {
		return nil, err
	}
	return userservice.NewServer(&handler{users: users, log: svc.Log}, opts...), nil
}

// revoke raises the token version of each user named in args.
func revoke(ctx context.Context, svc *bootstrap.Service, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: user revoke [-config file] USER_ID [USER_ID ...]")
	}
	users, err := openUsers(ctx, svc)
	if err != nil {
		return err
	}
	for _, arg := range args {
		id, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			return fmt.Errorf("revoke: %q is not a user id", arg)
		}
		if err := users.Revoke(ctx, id); err != nil {
			return fmt.Errorf("revoke the tokens of user %d: %w", id, err)
		}
		svc.Log.InfoContext(ctx, "tokens revoked", "user_id", id)
	}
	return nil
}

// openUsers builds the account rules over the service's schema and cache.
func openUsers(ctx context.Context, svc *bootstrap.Service) (*biz.Users, error) {
	gdb, err := svc.OpenDB(ctx)
	if err != nil {
		return nil, err
	}
	cache, err := svc.OpenCache(ctx)
	if err != nil {
		return nil, err
	}
	return biz.NewUsers(dal.NewUsers(gdb, cache), bcrypt.DefaultCost, time.Now)
}
