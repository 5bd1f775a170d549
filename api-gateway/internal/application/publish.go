package application

import (
	"context"
	"errors"
	"strings"

	"simpletiktok/api-gateway/internal/media"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/video"
	"simpletiktok/pkg/rpc"
)

// Publish stores an upload's video and records it for author; the video service queues its
// processing job (the cover) in the same transaction, so the answer does not wait for ffmpeg and
// the video shows at once with the fallback cover. Nothing is kept when it fails, unless the video
// may have been recorded after all (see settleFailedPublish). The file is used up whatever happens.
//
// A publish is never recorded twice: the play key is new for every upload and unique in the video
// service, and a call whose outcome is unknown is settled by looking for that key, not retried.
func (a *App) Publish(ctx context.Context, author int64, title string, file *media.Spooled) error {
	switch {
	case strings.TrimSpace(title) == "":
		return errno.VideoTitleRequired
	case file == nil:
		return errno.VideoFileRequired
	}
	size := file.Size()
	stored, err := a.media.Import(ctx, file)
	if err != nil {
		return err
	}
	req := &video.PublishRequest{AuthorId: author, Title: title, PlayKey: stored.PlayKey}
	resp, err := write(ctx, a, rpc.VideoService, rpc.Once, func(ctx context.Context) (*video.PublishResponse, error) {
		return a.clients.Video.Publish(ctx, req)
	})
	if err != nil {
		if err = a.settleFailedPublish(ctx, author, stored, err); err == nil {
			a.events.Published() // recorded after all
		}
		return err
	}
	a.events.Published()
	a.log.InfoContext(ctx, "video published", "video_id", resp.VideoId, "author_id", author,
		"play_key", stored.PlayKey, "bytes", size)
	return nil
}

// settleFailedPublish decides what happens to the stored media of a Publish call that failed
// (err, as rpc.Write says it). A business error, or a call that never reached the service, wrote
// no row: the media go. A call whose outcome is unknown (a broken connection, the time out after
// sending, a commit whose reply was lost) may have written one; the author's list tells, and if
// the row is there the publish happened after all; if not, it did not (the service's own deadline
// ends before the gateway's), and the phone is told it timed out. If even that cannot be known, the
// media stay (and are logged) and the phone is told errno.OutcomeUnknown: a row without its files
// would be worse than files without a row.
func (a *App) settleFailedPublish(ctx context.Context, author int64, stored media.Stored, err error) error {
	if errors.Is(err, errno.OutcomeUnknown) {
		list, lerr := a.clients.Reads.ListByAuthor.Do(ctx, &video.ListByAuthorQuery{AuthorId: author})
		if lerr != nil {
			a.log.ErrorContext(ctx, "publish outcome unknown: its media are kept", "play_key", stored.PlayKey,
				"error", lerr)
			return err
		}
		for _, v := range list.Videos {
			if v.PlayKey == stored.PlayKey {
				return nil
			}
		}
		err = errno.Timeout // settled: not recorded, and its media go
	}
	a.media.Remove(ctx, stored)
	return err
}
