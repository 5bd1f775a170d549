// Package biz holds the comment service's rules: what a comment may contain, on which videos it
// may be posted, and who may delete it.
package biz

import (
	"cmp"
	"context"
	"errors"
	"time"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/validate"
)

const (
	// MaxContentLen is the longest comment, in characters (Unicode code points).
	MaxContentLen = 500
	// RepeatWindow is how long after a comment the same text, posted again by its author on its
	// video without a request key, is taken for a repetition of that post: the phone sends no
	// key, and repeats a post whose outcome it did not learn (as the gateway may, once) within
	// seconds. A repetition answers the first comment and stores nothing; the same text posted
	// later is a new comment.
	RepeatWindow = 10 * time.Second
)

// Comment is a comment as the service stores it. Content is kept exactly as posted. A deleted
// comment stays as a tombstone (Deleted, without its content): it no longer lists or counts, and
// the service can tell a repeated delete from a delete of an id that never existed.
type Comment struct {
	ID        int64
	VideoID   int64
	UserID    int64
	Content   string
	CreatedAt time.Time
	Deleted   bool
	// RequestKey is the client's idempotency key of the post ("" when none was sent): unique per
	// user, so that a post repeated after an unknown outcome makes no second comment.
	RequestKey string
	// Fresh says that the post which returned it stored it (false: a repetition, answered with
	// the comment the first post made). It is not stored.
	Fresh bool
}

// Videos answers the facts the video service owns.
type Videos interface {
	// AuthorOf returns the author of the video, or errno.VideoNotFound.
	AuthorOf(ctx context.Context, videoID int64) (int64, error)
}

// Repo keeps comments and the per-video count of the comments not deleted. Create and Delete
// change the comment row and the count in one transaction.
type Repo interface {
	// Create stores c, raises its video's count and sets c.ID, in one transaction, and returns c.
	// When c.RequestKey is set and c.UserID stored a comment with that key already, it stores
	// nothing and returns that comment instead. When c.RequestKey is "" and repeatSince is not
	// zero, and c.UserID has a comment not deleted on c.VideoID with exactly c.Content created at
	// or after repeatSince, it stores nothing and returns that comment (the oldest such) instead.
	// The look and the store are one: of identical posts racing, one stores and the others find it.
	Create(ctx context.Context, c *Comment, repeatSince time.Time) (*Comment, error)
	// Get returns the comment, deleted or not, or errno.CommentNotFound for an id never stored.
	Get(ctx context.Context, id int64) (*Comment, error)
	// Delete makes c (of c.VideoID) a tombstone deleted at at and lowers the count, unless it is
	// deleted already; it reports whether this call deleted it. Of two deletes racing, one does.
	Delete(ctx context.Context, c *Comment, at time.Time) (deleted bool, err error)
	// ListByVideos returns each video's newest limit comments not deleted, newest first, reading
	// those of all of them at once.
	ListByVideos(ctx context.Context, videoIDs []int64, limit int) (map[int64][]*Comment, error)
	// Counts returns the comment counts of videoIDs; a video it leaves out has no comments.
	Counts(ctx context.Context, videoIDs []int64) (map[int64]int64, error)
}

// Comments implements the comment rules.
type Comments struct {
	repo   Repo
	videos Videos
	now    func() time.Time
}

// NewComments returns the rules over their storage and the video facts, reading the time from now
// (time.Now in production).
func NewComments(repo Repo, videos Videos, now func() time.Time) *Comments {
	return &Comments{repo: repo, videos: videos, now: now}
}

// Post adds userID's comment to an existing video and returns it. A post with a request key that
// userID used before is a repetition of that post (its client did not learn the outcome): it adds
// nothing and answers the comment the key made, or errno.CommentNotFound if that comment was
// deleted since; the same key with another video or text is errno.BadRequest. A post without a key
// is a repetition when userID posted the same text on the same video within RepeatWindow and that
// comment is not deleted: it adds nothing and answers that comment.
func (s *Comments) Post(ctx context.Context, userID, videoID int64, content, requestKey string) (*Comment, error) {
	if err := cmp.Or(validate.ID("user_id", userID), validate.ID("video_id", videoID), validate.RequestKey(requestKey)); err != nil {
		return nil, err
	}
	if err := ValidateContent(content); err != nil {
		return nil, err
	}
	if _, err := s.videos.AuthorOf(ctx, videoID); err != nil {
		return nil, err
	}
	// Milliseconds: what the store keeps, so the comment returned equals the one listed later.
	at := s.now().UTC().Truncate(time.Millisecond)
	c := &Comment{VideoID: videoID, UserID: userID, Content: content, CreatedAt: at, RequestKey: requestKey}
	stored, err := s.repo.Create(ctx, c, repeatSince(at, requestKey))
	switch {
	case err != nil:
		return nil, err
	case stored == c:
		out := *c // the store may keep c: Fresh is this call's
		out.Fresh = true
		return &out, nil
	case stored.Deleted:
		return nil, errno.CommentNotFound
	case stored.VideoID != videoID || stored.Content != content:
		return nil, errno.BadRequest.WithMsg("this idempotency key was used for another comment: send a new key with a new comment")
	}
	return stored, nil
}

// repeatSince is the time from which an identical comment makes a post at at a repetition: the
// start of RepeatWindow (inclusive) for a post without a key, and none (zero) for a post with one,
// which its key alone tells from a new post, at any time.
func repeatSince(at time.Time, requestKey string) time.Time {
	if requestKey != "" {
		return time.Time{}
	}
	return at.Add(-RepeatWindow)
}

// Delete deletes a comment of videoID and reports whether this call deleted it. Only its author or
// the video's author may; anyone else gets errno.CommentForbidden and nothing changes. Like an
// unlike, a delete is idempotent: deleting a comment deleted already (also by a delete racing this
// one) succeeds for whoever may delete it, and changes nothing. An id never posted, or one of
// another video, is errno.CommentNotFound.
func (s *Comments) Delete(ctx context.Context, userID, videoID, commentID int64) (deleted bool, err error) {
	err = cmp.Or(validate.ID("user_id", userID), validate.ID("video_id", videoID), validate.ID("comment_id", commentID))
	if err != nil {
		return false, err
	}
	c, err := s.repo.Get(ctx, commentID)
	if err != nil {
		return false, err
	}
	if c.VideoID != videoID {
		return false, errno.CommentNotFound
	}
	if c.UserID != userID {
		author, err := s.videos.AuthorOf(ctx, videoID)
		switch {
		case errors.Is(err, errno.VideoNotFound):
			return false, errno.CommentForbidden // no video author who could allow it
		case err != nil:
			return false, err
		case author != userID:
			return false, errno.CommentForbidden
		}
	}
	if c.Deleted {
		return false, nil
	}
	return s.repo.Delete(ctx, c, s.now().UTC().Truncate(time.Millisecond))
}

// MaxList is how many comments a comment list shows (the newest). The contract has no paging, so a
// list is whole up to this safety bound, which keeps one answer's size and its query bounded
// however many comments a video gathers (the count, comment_count, stays exact).
const MaxList = 1000

// Lists answers several pages' comment lists (at most idbatch.MaxQueries), read together: lists[i]
// holds the newest MaxList comments of videoIDs[i], newest first; a video without comments (or
// that does not exist) has an empty list. An invalid id fails the whole batch.
func (s *Comments) Lists(ctx context.Context, videoIDs []int64) ([][]*Comment, error) {
	each, distinct, err := idbatch.Queries(videoIDs, "video_id", func(id int64) int64 { return id })
	if err != nil {
		return nil, err
	}
	byVideo, err := s.repo.ListByVideos(ctx, distinct, MaxList)
	if err != nil {
		return nil, err
	}
	lists := make([][]*Comment, len(each))
	for i, v := range each {
		lists[i] = byVideo[v]
	}
	return lists, nil
}

// Counts returns a count for every valid id asked, zero for videos without comments.
func (s *Comments) Counts(ctx context.Context, videoIDs []int64) (map[int64]int64, error) {
	ids, err := idbatch.Check(videoIDs, "video")
	if err != nil {
		return nil, err
	}
	out := make(map[int64]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	found, err := s.repo.Counts(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		out[id] = found[id]
	}
	return out, nil
}

// ValidateContent accepts what validate.Text accepts, up to MaxContentLen characters, and answers
// anything else with errno.CommentInvalidContent saying what is wrong. Accepted text is kept
// verbatim: markup is text, and it is the client's to escape when shown.
func ValidateContent(content string) error {
	if err := validate.Text(content, MaxContentLen); err != nil {
		return errno.CommentInvalidContent.WithMsg("comment_text %v", err)
	}
	return nil
}
