package application

import (
	"context"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/pkg/coalesce"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/video"
	"simpletiktok/pkg/rpc"
)

// FeedPageSize is the contract's largest page of the feed.
const FeedPageSize = 30

// Feed shows the videos published strictly before latestMs (0: now), newest first, as viewer
// (0: anonymous) sees them, and the time that pages on: the oldest video's publish time, or the
// request's own time when the page is empty or cannot be shown.
//
// The newest page, which every phone opening the app asks for, is assembled for anyone and shared
// (ShareNewestFeed); a viewer's page is that page with the viewer's part (likes and follows) read
// in the same calls. Both begin after the request arrived.
func (a *App) Feed(ctx context.Context, viewer, latestMs int64) ([]*douyin.Video, int64, error) {
	if latestMs != 0 || a.newest == nil {
		return a.feed(ctx, viewer, latestMs)
	}
	page, err := a.newest.Do(ctx, viewer)
	if err != nil {
		return nil, a.now().UnixMilli(), err
	}
	return a.pages.SeenBy(ctx, page.videos, page.part), page.next, nil
}

// feedPage is a page of the feed, the time that pages on, and, for a shared page, the part of
// the viewer it is answered to.
type feedPage struct {
	videos []*douyin.Video
	next   int64
	part   assemble.ViewerPart
}

// ShareNewestFeed makes the requests for the newest page of the feed that arrive while one is
// being assembled share the next one: the page as anyone sees it, assembled once (pkg/coalesce),
// with the part of each logged-in viewer waiting for it read in the page's own calls (one query
// more per viewer, not one call more). A request never gets a page whose assembly began before it
// arrived, so it shows every write acknowledged before then. The page is shared read-only.
func ShareNewestFeed(cfg coalesce.Config) Option {
	// One request fewer than a merged call carries, so that the riders' queries and the page's own
	// go in one call of each method.
	cfg.MaxQueries = max(1, cfg.MaxQueries-1)
	return func(a *App) {
		a.newest = coalesce.New("newest feed page", cfg, nil, func(ctx context.Context, viewers []int64) ([]feedPage, error) {
			riders := idbatch.Unique(viewers) // the logged-in ones, each once
			list, _, err := a.list(ctx, 0)
			if err != nil {
				return nil, err
			}
			videos, parts, err := a.pages.ForAnyoneWith(ctx, assemble.Rows(list.Videos, list.WorkCounts), riders)
			if err != nil {
				return nil, err
			}
			partOf := make(map[int64]assemble.ViewerPart, len(riders))
			for i, v := range riders {
				partOf[v] = parts[i]
			}
			pages := make([]feedPage, len(viewers))
			for i, v := range viewers {
				pages[i] = feedPage{videos: videos, next: list.NextTimeMs, part: partOf[v]}
			}
			return pages, nil
		})
	}
}

// feed is Feed, assembled for the caller alone.
func (a *App) feed(ctx context.Context, viewer, latestMs int64) ([]*douyin.Video, int64, error) {
	list, latestMs, err := a.list(ctx, latestMs)
	if err != nil {
		return nil, latestMs, err
	}
	videos, err := a.pages.Videos(ctx, viewer, assemble.Rows(list.Videos, list.WorkCounts))
	if err != nil {
		return nil, latestMs, err
	}
	return videos, list.NextTimeMs, nil
}

// list lists the feed's page before latestMs (0: now), and says the time it listed before.
func (a *App) list(ctx context.Context, latestMs int64) (*video.FeedAnswer, int64, error) {
	if latestMs == 0 {
		latestMs = a.now().UnixMilli()
	}
	list, err := a.clients.Reads.Feed.Do(ctx, &video.FeedQuery{LatestTimeMs: latestMs, Limit: FeedPageSize})
	return list, latestMs, err
}

// PublishList shows the videos of author, newest first, as viewer sees them. An author without
// videos has an empty list; a user who does not exist is errno.UserNotFound (one more call, only
// when the list is empty).
func (a *App) PublishList(ctx context.Context, viewer, author int64) ([]*douyin.Video, error) {
	list, err := a.clients.Reads.ListByAuthor.Do(ctx, &video.ListByAuthorQuery{AuthorId: author})
	if err != nil {
		return nil, err
	}
	if len(list.Videos) > 0 {
		return a.pages.Videos(ctx, viewer, assemble.Rows(list.Videos, list.WorkCounts))
	}
	users, err := a.clients.Reads.MGetUsers.Do(ctx, &user.MGetUsersRequest{UserIds: []int64{author}})
	if err != nil {
		return nil, err
	}
	if len(users.Users) == 0 {
		return nil, errno.UserNotFound
	}
	return []*douyin.Video{}, nil
}

// FavoriteAction likes or unlikes a video as viewer; both are idempotent (the service's rule).
func (a *App) FavoriteAction(ctx context.Context, viewer, videoID int64, action favorite.FavoriteAction) error {
	req := &favorite.FavoriteActionRequest{UserId: viewer, VideoId: videoID, Action: action}
	_, err := write(ctx, a, rpc.FavoriteService, rpc.Idempotent, func(ctx context.Context) (*favorite.FavoriteActionResponse, error) {
		return a.clients.Favorite.FavoriteAction(ctx, req)
	})
	if err != nil {
		return err
	}
	a.events.Liked(action == favorite.FavoriteAction_LIKE)
	return nil
}

// FavoriteList shows the videos userID likes, newest like first, as viewer sees them: the liked
// ids with their authors and the likes' part of the page, then the rest of the page in one round
// (assemble.Videos).
func (a *App) FavoriteList(ctx context.Context, viewer, userID int64) ([]*douyin.Video, error) {
	liked, err := a.clients.Reads.ListFavorites.Do(ctx, &favorite.ListFavoritesQuery{UserId: userID, ViewerId: viewer})
	if err != nil {
		return nil, err
	}
	return a.pages.Videos(ctx, viewer, assemble.Liked(liked))
}
