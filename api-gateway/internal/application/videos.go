package application

import (
	"context"

	"golang.org/x/sync/errgroup"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/pkg/coalesce"
	"simpletiktok/pkg/errno"
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
// on top of it, as soon as the shared page's videos are listed, while the rest of it is
// assembled. Both reads begin after the request arrived.
func (a *App) Feed(ctx context.Context, viewer, latestMs int64) ([]*douyin.Video, int64, error) {
	if latestMs != 0 || a.newest == nil {
		return a.feed(ctx, viewer, latestMs, nil)
	}
	if viewer == 0 {
		page, err := a.newest.Do(ctx, newestWaiter{}) // nobody listens for the list
		if err != nil {
			return nil, a.now().UnixMilli(), err
		}
		return page.videos, page.next, nil
	}
	w := newestWaiter{listed: make(chan []*video.Video, 1)}
	var (
		page feedPage
		part assemble.ViewerPart
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		page, err = a.newest.Do(gctx, w)
		return err
	})
	g.Go(func() (err error) {
		select {
		case listed := <-w.listed:
			part, err = a.pages.ViewerPartOf(gctx, viewer, listed)
			return err
		case <-gctx.Done(): // the page failed (a listed page always reaches w first)
			return gctx.Err()
		}
	})
	if err := g.Wait(); err != nil {
		return nil, a.now().UnixMilli(), err
	}
	return assemble.SeenWith(page.videos, part), page.next, nil
}

// feedPage is a page of the feed and the time that pages on.
type feedPage struct {
	videos []*douyin.Video
	next   int64
}

// newestWaiter is a request waiting for the next shared newest page. It hears of the page's
// videos as soon as they are listed (listed, buffered; nil for an anonymous request), to read its
// viewer's part meanwhile.
type newestWaiter struct {
	listed chan []*video.Video
}

// ShareNewestFeed makes the requests for the newest page of the feed that arrive while one is
// being assembled share the next one: the page as anyone sees it, assembled once (pkg/coalesce),
// to which each logged-in request adds its viewer's part. A request never gets a page whose
// assembly began before it arrived, so it shows every write acknowledged before then. The page is
// shared read-only.
func ShareNewestFeed(cfg coalesce.Config) Option {
	return func(a *App) {
		a.newest = coalesce.New("newest feed page", cfg, nil, func(ctx context.Context, waiting []newestWaiter) ([]feedPage, error) {
			videos, next, err := a.feed(ctx, 0, 0, func(listed []*video.Video) {
				for _, w := range waiting {
					select {
					case w.listed <- listed:
					default: // told already
					}
				}
			})
			if err != nil {
				return nil, err
			}
			pages := make([]feedPage, len(waiting))
			for i := range pages {
				pages[i] = feedPage{videos: videos, next: next}
			}
			return pages, nil
		})
	}
}

// feed is Feed, assembled for the caller alone. listed, when not nil, hears of the page's
// videos (read-only) before the rest of the page is read.
func (a *App) feed(ctx context.Context, viewer, latestMs int64, listed func([]*video.Video)) ([]*douyin.Video, int64, error) {
	if latestMs == 0 {
		latestMs = a.now().UnixMilli()
	}
	page, err := a.clients.Reads.Feed.Do(ctx, &video.FeedQuery{LatestTimeMs: latestMs, Limit: FeedPageSize})
	if err != nil {
		return nil, latestMs, err
	}
	if listed != nil {
		listed(page.Videos)
	}
	videos, err := a.pages.Videos(ctx, viewer, assemble.Rows(page.Videos, page.WorkCounts))
	if err != nil {
		return nil, latestMs, err
	}
	return videos, page.NextTimeMs, nil
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
