// Package peers answers the questions one service asks about facts another service owns (does
// this user exist, who wrote this video), and carries the results a worker hands back to their
// owner (a video's cover), over the owner's RPC: no process reads or writes another's schema. It
// holds no rules; each caller declares the small interface it needs, and these types satisfy it.
package peers

import (
	"context"

	"simpletiktok/pkg/cache"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/user/userservice"
	"simpletiktok/pkg/kitex_gen/video"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
	"simpletiktok/pkg/rpc"
)

// kept bounds the facts each kind of peer keeps in the process: an account, once made, exists for
// good, and a video's author never changes (neither is ever deleted), so a positive answer is
// kept; a negative one is asked again, as the account or video may be made meanwhile.
const kept = 100_000

// Users asks the user service about accounts.
type Users struct {
	client userservice.Client
	known  *cache.Local[int64, struct{}]
}

// NewUsers returns the questions over a user service client.
func NewUsers(client userservice.Client) *Users {
	return &Users{client: client, known: cache.NewLocal[int64, struct{}](kept)}
}

// Exists reports whether the user service knows id.
func (u *Users) Exists(ctx context.Context, id int64) (bool, error) {
	if _, ok := u.known.Get(id); ok {
		return true, nil
	}
	resp, err := u.client.MGetUsers(ctx, &user.MGetUsersRequest{UserIds: []int64{id}})
	if err != nil {
		return false, rpc.ClientError(err)
	}
	for _, found := range resp.Users {
		if found.Id == id {
			u.known.Put(id, struct{}{})
			return true, nil
		}
	}
	return false, nil
}

// Videos asks the video service about videos.
type Videos struct {
	client  videoservice.Client
	authors *cache.Local[int64, int64]
}

// NewVideos returns the questions over a video service client.
func NewVideos(client videoservice.Client) *Videos {
	return &Videos{client: client, authors: cache.NewLocal[int64, int64](kept)}
}

// AuthorOf returns the author of videoID, or errno.VideoNotFound.
func (v *Videos) AuthorOf(ctx context.Context, videoID int64) (int64, error) {
	if author, ok := v.authors.Get(videoID); ok {
		return author, nil
	}
	resp, err := v.client.MGetVideos(ctx, &video.MGetVideosRequest{VideoIds: []int64{videoID}})
	if err != nil {
		return 0, rpc.ClientError(err)
	}
	for _, found := range resp.Videos {
		if found.Id == videoID {
			v.authors.Put(videoID, found.AuthorId)
			return found.AuthorId, nil
		}
	}
	return 0, errno.VideoNotFound
}

// CoverOf returns the cover key of videoID ("" while it has none), or errno.VideoNotFound.
func (v *Videos) CoverOf(ctx context.Context, videoID int64) (string, error) {
	resp, err := v.client.MGetVideos(ctx, &video.MGetVideosRequest{VideoIds: []int64{videoID}})
	if err != nil {
		return "", rpc.ClientError(err)
	}
	for _, found := range resp.Videos {
		if found.Id == videoID {
			return found.CoverKey, nil
		}
	}
	return "", errno.VideoNotFound
}

// SetCover records coverKey as the cover of videoID, and returns the cover the video has
// afterwards (the first one recorded stays).
func (v *Videos) SetCover(ctx context.Context, videoID int64, coverKey string) (string, error) {
	resp, err := v.client.SetCover(ctx, &video.SetCoverRequest{VideoId: videoID, CoverKey: coverKey})
	if err != nil {
		return "", rpc.ClientError(err)
	}
	return resp.CoverKey, nil
}
