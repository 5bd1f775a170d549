package dal

import (
	"context"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/video"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
	"simpletiktok/pkg/rpc"
)

// Videos answers biz.Videos from the video service, which owns videos: this service never reads
// another's schema.
type Videos struct{ client videoservice.Client }

// NewVideos returns the facts over a client of the video service.
func NewVideos(client videoservice.Client) *Videos { return &Videos{client: client} }

// AuthorOf returns the author of videoID, or errno.VideoNotFound.
func (v *Videos) AuthorOf(ctx context.Context, videoID int64) (int64, error) {
	resp, err := v.client.MGetVideos(ctx, &video.MGetVideosRequest{VideoIds: []int64{videoID}})
	if err != nil {
		return 0, rpc.ClientError(err)
	}
	for _, found := range resp.Videos {
		if found.Id == videoID {
			return found.AuthorId, nil
		}
	}
	return 0, errno.VideoNotFound
}
