package handler

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/kitex/pkg/kerrors"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/media"
	"simpletiktok/api-gateway/internal/middleware"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/video"
	"simpletiktok/pkg/rpc"
)

const (
	// feedPageSize is the contract's largest page of the feed.
	feedPageSize = 30
	// secondsBelow: the contract reads a latest_time below 1e12 as seconds, above as milliseconds.
	secondsBelow = 1_000_000_000_000
)

// Feed answers the videos published strictly before latest_time, newest first, to anyone; a valid
// token only adds the caller's flags. next_time pages on; on failure it is the request's own time.
func (h *Handler) Feed(ctx context.Context, c *app.RequestContext) {
	resp := &douyin.FeedResponse{VideoList: []*douyin.Video{}}
	latest, err := latestTimeParam(c, time.Now())
	resp.NextTime = latest
	if err == nil {
		var page *video.FeedResponse
		page, err = h.clients.Video.Feed(ctx, &video.FeedRequest{LatestTimeMs: latest, Limit: feedPageSize})
		if err = rpc.ClientError(err); err == nil {
			resp.NextTime = page.NextTimeMs
			resp.VideoList, err = h.pages.Videos(ctx, middleware.Viewer(c), page.Videos)
		}
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	if err != nil {
		resp.VideoList = []*douyin.Video{}
	}
	write(c, resp.StatusCode, resp)
}

// latestTimeParam reads latest_time in milliseconds: absent or 0 is now, a value below 1e12 is
// in seconds.
func latestTimeParam(c *app.RequestContext, now time.Time) (int64, error) {
	v, _ := param(c, "latest_time")
	t, err := strconv.ParseInt(v, 10, 64)
	switch {
	case v == "" || err == nil && t == 0:
		return now.UnixMilli(), nil
	case err != nil || t < 0:
		return now.UnixMilli(), errno.BadRequest.WithMsg("latest_time must be a non-negative integer: a time in seconds or milliseconds")
	case t < secondsBelow:
		return t * 1000, nil
	}
	return t, nil
}

// PublishList answers the videos of user_id (the caller when absent), newest first.
func (h *Handler) PublishList(ctx context.Context, c *app.RequestContext) {
	viewer := middleware.Viewer(c)
	resp := &douyin.VideoListResponse{VideoList: []*douyin.Video{}}
	id, err := idParam(c, "user_id", viewer)
	if err == nil {
		resp.VideoList, err = h.publishList(ctx, viewer, id)
	}
	resp.StatusCode, resp.StatusMsg = h.status(ctx, err)
	if err != nil {
		resp.VideoList = []*douyin.Video{}
	}
	write(c, resp.StatusCode, resp)
}

// publishList tells an author without videos (an empty list) from a user who does not exist.
func (h *Handler) publishList(ctx context.Context, viewer, author int64) ([]*douyin.Video, error) {
	list, err := h.clients.Video.ListByAuthor(ctx, &video.ListByAuthorRequest{AuthorId: author})
	if err != nil {
		return nil, rpc.ClientError(err)
	}
	if len(list.Videos) > 0 {
		return h.pages.Videos(ctx, viewer, list.Videos)
	}
	users, err := h.clients.User.MGetUsers(ctx, &user.MGetUsersRequest{UserIds: []int64{author}})
	if err != nil {
		return nil, rpc.ClientError(err)
	}
	if len(users.Users) == 0 {
		return nil, errno.UserNotFound
	}
	return []*douyin.Video{}, nil
}

// PublishAction takes an upload (multipart data, token, title), stores its media and records the
// video. Nothing is kept when it fails.
func (h *Handler) PublishAction(ctx context.Context, c *app.RequestContext) {
	err := h.publish(ctx, c)
	code, msg := h.status(ctx, err)
	write(c, code, &douyin.StatusResponse{StatusCode: code, StatusMsg: msg})
}

// publish reads the body as a stream (the route has no token middleware, which would read it
// whole). A token known before the file starts is checked then, so a stranger's file is never
// stored; one that comes after the file is checked once the body is read. Who asks is answered
// before what is wrong with the upload.
func (h *Handler) publish(ctx context.Context, c *app.RequestContext) error {
	form, err := h.media.ReadForm(c.Request.BodyStream(), string(c.ContentType()),
		int64(c.Request.Header.ContentLength()), func(f *media.Form) error {
			if uploadToken(c, f) == "" {
				return nil // it may come after the file
			}
			_, err := h.uploader(c, f)
			return err
		})
	defer form.Discard()
	author, authErr := h.uploader(c, form)
	switch {
	case authErr != nil:
		return authErr
	case err != nil:
		return err
	case strings.TrimSpace(form.Title) == "":
		return errno.VideoTitleRequired
	case form.File == nil:
		return errno.VideoFileRequired
	}
	size := form.File.Size()
	stored, err := h.media.Import(ctx, form.File)
	if err != nil {
		return err
	}
	resp, err := h.clients.Video.Publish(ctx, &video.PublishRequest{AuthorId: author, Title: form.Title,
		PlayKey: stored.PlayKey, CoverKey: stored.CoverKey})
	if err != nil {
		return h.settleFailedPublish(ctx, author, stored, err)
	}
	h.log.InfoContext(ctx, "video published", "video_id", resp.VideoId, "author_id", author,
		"play_key", stored.PlayKey, "bytes", size, "cover", stored.CoverKey != "")
	return nil
}

// settleFailedPublish decides what happens to the stored media of a Publish call that failed. A
// business error, or a call that never reached the service, wrote no row: the media go. A timeout
// or a broken connection may have written one; the author's list tells, and if the row is there
// the publish happened after all. If even that cannot be known, the media stay (and are logged):
// a row without its files would be worse than files without a row.
func (h *Handler) settleFailedPublish(ctx context.Context, author int64, stored media.Stored, callErr error) error {
	err := rpc.ClientError(callErr)
	if kerrors.IsTimeoutError(callErr) || errors.Is(callErr, kerrors.ErrRemoteOrNetwork) {
		list, lerr := h.clients.Video.ListByAuthor(ctx, &video.ListByAuthorRequest{AuthorId: author})
		if lerr != nil {
			h.log.ErrorContext(ctx, "publish outcome unknown: its media are kept", "play_key", stored.PlayKey,
				"cover_key", stored.CoverKey, "error", lerr)
			return err
		}
		for _, v := range list.Videos {
			if v.PlayKey == stored.PlayKey {
				return nil
			}
		}
	}
	h.media.Remove(ctx, stored)
	return err
}

// uploader is the verified caller of an upload.
func (h *Handler) uploader(c *app.RequestContext, form *media.Form) (int64, error) {
	id, err := h.tokens.Verify(uploadToken(c, form))
	if err != nil {
		return 0, errno.Unauthorized
	}
	return id, nil
}

// uploadToken finds an upload's token as the contract says: the multipart field, then the query
// string; "Authorization: Bearer" is accepted last.
func uploadToken(c *app.RequestContext, form *media.Form) string {
	if form.Token != "" {
		return form.Token
	}
	if v, ok := c.GetQuery("token"); ok && v != "" {
		return v
	}
	if bearer, ok := strings.CutPrefix(string(c.GetHeader("Authorization")), "Bearer "); ok {
		return strings.TrimSpace(bearer)
	}
	return ""
}

// Media serves the stored media under assemble.MediaPath.
func (h *Handler) Media(ctx context.Context, c *app.RequestContext) {
	h.media.Serve(ctx, c)
}
