// Package biz holds the favorite service's rules: who may like what, what a repeated like or unlike
// means, and which counters a like moves.
package biz

import (
	"cmp"
	"context"
	"time"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/validate"
)

// Action is what a user does to a video; its values are those of the contract's action_type.
type Action int32

const (
	Like   Action = 1
	Unlike Action = 2
)

// String names the action as the logs do: "like" or "unlike".
func (a Action) String() string {
	if a == Like {
		return "like"
	}
	return "unlike"
}

// Validate refuses anything but Like and Unlike with errno.FavoriteInvalidAction.
func (a Action) Validate() error {
	if a != Like && a != Unlike {
		return errno.FavoriteInvalidAction
	}
	return nil
}

// LikeRecord is one user's like of one video. AuthorID is the video's author when the like was made:
// kept with the like so that an unlike can give back the author's total_favorited without asking
// the video service.
type LikeRecord struct {
	UserID    int64
	VideoID   int64
	AuthorID  int64
	CreatedAt time.Time
}

// VideoStat is a video's like count and whether the viewer likes it.
type VideoStat struct {
	FavoriteCount int64
	IsFavorite    bool
}

// UserStat is how many videos a user liked and how many likes their videos received.
type UserStat struct {
	FavoriteCount  int64
	TotalFavorited int64
}

// Videos answers the facts the video service owns.
type Videos interface {
	// AuthorOf returns the author of the video, or errno.VideoNotFound.
	AuthorOf(ctx context.Context, videoID int64) (int64, error)
}

// Repo keeps likes and their counters. Like and Unlike change the like row and every counter it
// affects in one transaction, and report whether the row really changed: when it did not (a
// repeated like, an unlike of a video never liked) no counter moves.
type Repo interface {
	Like(ctx context.Context, l LikeRecord) (changed bool, err error)
	Unlike(ctx context.Context, userID, videoID int64) (changed bool, err error)
	// LikedVideosOf returns, for each of userIDs, the ids of the newest limit videos they like,
	// newest like first.
	LikedVideosOf(ctx context.Context, userIDs []int64, limit int) (map[int64][]int64, error)
	// AuthorsOf returns the author of each of videoIDs that someone likes (or liked: an author
	// never changes, and may be kept); a video nobody likes may be left out.
	AuthorsOf(ctx context.Context, videoIDs []int64) (map[int64]int64, error)
	// Stats answers every query with the stats of its videos, with its viewer's likes (viewer 0:
	// none), and of its users, reading what all of them ask at once; an id an answer leaves out
	// has no likes.
	Stats(ctx context.Context, queries []StatsQuery) ([]StatsAnswer, error)
}

// StatsQuery is what one page asks of the favorite service: the like counts of VideoIDs with
// Viewer's likes (0: anonymous), and the counts of UserIDs.
type StatsQuery struct {
	Viewer            int64
	VideoIDs, UserIDs []int64
}

// StatsAnswer answers a StatsQuery.
type StatsAnswer struct {
	Videos map[int64]VideoStat
	Users  map[int64]UserStat
}

// Favorites implements the like rules.
type Favorites struct {
	repo   Repo
	videos Videos
	now    func() time.Time
}

// NewFavorites returns the rules over their storage and the video facts, reading the time from
// now (time.Now in production).
func NewFavorites(repo Repo, videos Videos, now func() time.Time) *Favorites {
	return &Favorites{repo: repo, videos: videos, now: now}
}

// Act likes or unlikes a video for userID. Both are idempotent: repeating one succeeds and changes
// nothing. Only a like needs the video to exist; an unlike of anything not liked is a no-op.
func (f *Favorites) Act(ctx context.Context, userID, videoID int64, action Action) (changed bool, err error) {
	if err := action.Validate(); err != nil {
		return false, err
	}
	if err := cmp.Or(validate.ID("user_id", userID), validate.ID("video_id", videoID)); err != nil {
		return false, err
	}
	if action == Unlike {
		return f.repo.Unlike(ctx, userID, videoID)
	}
	author, err := f.videos.AuthorOf(ctx, videoID)
	if err != nil {
		return false, err
	}
	return f.repo.Like(ctx, LikeRecord{UserID: userID, VideoID: videoID, AuthorID: author,
		CreatedAt: f.now().UTC().Truncate(time.Millisecond)})
}

// MaxList is how many videos a favorite list shows (the newest likes). The contract has no paging,
// so a list is whole up to this safety bound, which keeps one answer's size, and the calls that
// assemble it, bounded however much a user likes (favorite_count stays exact).
const MaxList = 1000

// ListQuery asks for UserID's favorite list, with what a page of it shows of the likes as Viewer
// (0: anonymous) sees them.
type ListQuery struct {
	UserID, Viewer int64
}

// ListAnswer answers a ListQuery: the liked videos, newest like first, their authors (Authors[i]
// wrote VideoIDs[i]) and Stats: the videos' counts with the viewer's likes, and the authors'
// counts.
type ListAnswer struct {
	VideoIDs []int64
	Authors  []int64
	Stats    StatsAnswer
}

// Lists answers several favorite lists (at most idbatch.MaxQueries) read together: every list
// with one read, the authors of all their videos with one more, then the stats of every list. A
// video whose author is not known is left out: nobody likes it any more (everyone unliked it
// since its list was read), so the list's user no longer does either. An invalid user id fails
// the whole batch.
func (f *Favorites) Lists(ctx context.Context, queries []ListQuery) ([]ListAnswer, error) {
	_, users, err := idbatch.Queries(queries, "user_id", func(q ListQuery) int64 { return q.UserID })
	if err != nil {
		return nil, err
	}
	lists, err := f.repo.LikedVideosOf(ctx, users, MaxList)
	if err != nil {
		return nil, err
	}
	var liked []int64
	for _, q := range queries {
		liked = append(liked, lists[q.UserID]...)
	}
	authors := map[int64]int64{}
	if len(liked) > 0 {
		if authors, err = f.repo.AuthorsOf(ctx, idbatch.Unique(liked)); err != nil {
			return nil, err
		}
	}
	answers := make([]ListAnswer, len(queries))
	stats := make([]StatsQuery, len(queries))
	for i, q := range queries {
		a := &answers[i]
		a.VideoIDs, a.Authors = make([]int64, 0, len(lists[q.UserID])), make([]int64, 0, len(lists[q.UserID]))
		for _, id := range lists[q.UserID] {
			if author, ok := authors[id]; ok {
				a.VideoIDs, a.Authors = append(a.VideoIDs, id), append(a.Authors, author)
			}
		}
		stats[i] = StatsQuery{Viewer: max(q.Viewer, 0), VideoIDs: a.VideoIDs, UserIDs: idbatch.Unique(a.Authors)}
	}
	found, err := f.stats(ctx, stats)
	if err != nil {
		return nil, err
	}
	for i := range answers {
		answers[i].Stats = found[i]
	}
	return answers, nil
}

// Stats is what pages show of the favorite service, for several pages at once (at most
// idbatch.MaxQueries), read together: answers[i] answers queries[i], with a stat for every valid
// video id asked, with the query's viewer's likes, and for every valid user id asked; zero where
// there are no likes. An invalid query fails the whole batch.
func (f *Favorites) Stats(ctx context.Context, queries []StatsQuery) ([]StatsAnswer, error) {
	if err := idbatch.CheckQueries(len(queries)); err != nil {
		return nil, err
	}
	checked := make([]StatsQuery, len(queries))
	for i, q := range queries {
		vids, err := idbatch.Check(q.VideoIDs, "video")
		if err != nil {
			return nil, err
		}
		uids, err := idbatch.Check(q.UserIDs, "user")
		if err != nil {
			return nil, err
		}
		checked[i] = StatsQuery{Viewer: max(q.Viewer, 0), VideoIDs: vids, UserIDs: uids}
	}
	return f.stats(ctx, checked)
}

// stats is Stats of checked queries, of any length (a list's stats are read whole).
func (f *Favorites) stats(ctx context.Context, checked []StatsQuery) ([]StatsAnswer, error) {
	found, err := f.repo.Stats(ctx, checked)
	if err != nil {
		return nil, err
	}
	answers := make([]StatsAnswer, len(checked))
	for i, q := range checked {
		a := StatsAnswer{Videos: make(map[int64]VideoStat, len(q.VideoIDs)), Users: make(map[int64]UserStat, len(q.UserIDs))}
		for _, id := range q.VideoIDs {
			a.Videos[id] = found[i].Videos[id]
		}
		for _, id := range q.UserIDs {
			a.Users[id] = found[i].Users[id]
		}
		answers[i] = a
	}
	return answers, nil
}
