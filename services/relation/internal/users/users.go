// Package users answers the relation rules' questions about accounts by asking the user service,
// which owns them.
package users

import (
	"context"

	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/user/userservice"
	"simpletiktok/pkg/rpc"
)

// Directory implements biz.Users over the user service's batch read.
type Directory struct{ c userservice.Client }

// NewDirectory returns the directory over a user service client.
func NewDirectory(c userservice.Client) *Directory { return &Directory{c: c} }

// Exists reports whether the user service knows id.
func (d *Directory) Exists(ctx context.Context, id int64) (bool, error) {
	resp, err := d.c.MGetUsers(ctx, &user.MGetUsersRequest{UserIds: []int64{id}})
	if err != nil {
		return false, rpc.ClientError(err)
	}
	for _, u := range resp.Users {
		if u.Id == id {
			return true, nil
		}
	}
	return false, nil
}
