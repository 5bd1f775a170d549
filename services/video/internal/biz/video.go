// Package biz holds the video service's rules: what a publishable video is, how publish times are
// given out so that the feed can page on a time alone, and how the feed and the lists are read.
package biz

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/mediajob"
	"simpletiktok/pkg/validate"
)

const (
	// MaxTitleLen is the longest title, in characters (docs/errors.md, 12003).
	MaxTitleLen = 100
	// MaxFeedPage is the contract's page size of the feed.
	MaxFeedPage = 30
	// maxKeyLen is the width of the media key columns.
	maxKeyLen = 255
)

// Video is a video as the service stores it.
type Video struct {
	ID       int64
	AuthorID int64
	Title    string
	PlayKey  string
	CoverKey string
	// PublishTimeMs is unique among all videos: see Videos.Publish.
	PublishTimeMs int64
}

// Message is what the service sends to the queue: a job for another process. It is written to
// the outbox in the transaction of the row that causes it, and relayed to the queue afterwards,
// so that it is sent if and only if the row exists, whatever crashes in between.
type Message struct {
	Subject string
	Payload []byte
}

// Repo is the storage the rules need.
type Repo interface {
	// Create stores v, adds one to its author's work count and puts job(v) in the outbox, all or
	// nothing, and sets v.ID and v.PublishTimeMs (job is called once both are set). It holds the
	// publish lock while it does: it calls publishTime with the latest publish time stored so far
	// (0 before the first video) and stores v at the time that returns, so no other publish can
	// see the same latest time. A play key already used is errno.VideoAlreadyPublished.
	Create(ctx context.Context, v *Video, publishTime func(latestMs int64) int64, job func(v *Video) Message) error
	// SetCover gives video id the cover coverKey if it has none, and returns the cover the video
	// has afterwards. A missing video is errno.VideoNotFound.
	SetCover(ctx context.Context, id int64, coverKey string) (string, error)
	// Feed answers each query with at most its Limit videos published strictly before its
	// BeforeMs, newest first, reading what all of them ask at once.
	Feed(ctx context.Context, queries []FeedQuery) ([][]*Video, error)
	// ListByAuthors returns each author's newest limit videos, newest first, reading those of
	// all of them at once.
	ListByAuthors(ctx context.Context, authorIDs []int64, limit int) (map[int64][]*Video, error)
	// MGet returns the videos among ids that exist, in any order.
	MGet(ctx context.Context, ids []int64) ([]*Video, error)
	// CountWorks returns the work count of the authors among ids that have published.
	CountWorks(ctx context.Context, authorIDs []int64) (map[int64]int64, error)
}

// Videos implements the video rules.
type Videos struct {
	repo   Repo
	now    func() time.Time
	queued func()
}

// NewVideos returns the rules over repo, reading the time from now (time.Now in production).
// queued is called after a job has been written to the outbox (it wakes the relay, so that the
// job leaves at once rather than at the relay's next poll).
func NewVideos(repo Repo, now func() time.Time, queued func()) *Videos {
	return &Videos{repo: repo, now: now, queued: queued}
}

// Publish records a video whose file the gateway has already stored, with no cover yet, and
// queues the job that makes its cover (mediajob.Subject) in the same transaction. It returns the
// video's id.
//
// Publish times are made unique: a video gets the current millisecond, or the next free one when
// another video has it. The feed pages on a time alone (next_time is a bare timestamp), so two
// videos sharing a millisecond could otherwise be cut apart by a page boundary and one of them
// never shown; with unique times, "strictly older than next_time" neither repeats nor skips.
func (s *Videos) Publish(ctx context.Context, authorID int64, title, playKey string) (int64, error) {
	if err := validate.ID("author_id", authorID); err != nil {
		return 0, err
	}
	title, err := NormalizeTitle(title)
	if err != nil {
		return 0, err
	}
	if playKey == "" || len(playKey) > maxKeyLen {
		return 0, errno.BadRequest.WithMsg("play_key is required and at most %d bytes", maxKeyLen)
	}
	v := &Video{AuthorID: authorID, Title: title, PlayKey: playKey}
	if err := s.repo.Create(ctx, v, s.publishTime, coverJob); err != nil {
		return 0, err
	}
	s.queued()
	return v.ID, nil
}

// coverJob is the job of a new video: the media worker makes its cover.
func coverJob(v *Video) Message {
	return Message{Subject: mediajob.Subject, Payload: mediajob.Job{VideoID: v.ID, PlayKey: v.PlayKey}.Encode()}
}

// SetCover records the cover the media worker made of video id and returns the cover the video
// has. Recording is idempotent, as the worker's jobs run at least once: the first cover stays, and
// a later call changes nothing and answers the cover kept.
func (s *Videos) SetCover(ctx context.Context, id int64, coverKey string) (string, error) {
	if err := validate.ID("video_id", id); err != nil {
		return "", err
	}
	if coverKey == "" || len(coverKey) > maxKeyLen {
		return "", errno.BadRequest.WithMsg("cover_key is required and at most %d bytes", maxKeyLen)
	}
	return s.repo.SetCover(ctx, id, coverKey)
}

// publishTime is the time of a video published now, given the latest publish time so far: the
// current millisecond, or the one after the latest when the clock has not passed it (many
// publishes in one millisecond, or a clock set back).
func (s *Videos) publishTime(latestMs int64) int64 {
	return max(s.now().UnixMilli(), latestMs+1)
}

// FeedQuery asks for a page of the feed: at most Limit videos published strictly before BeforeMs.
type FeedQuery struct {
	BeforeMs int64
	Limit    int
}

// FeedPage is a page of the feed, the time to send back for the next one, and the work count of
// each author of its videos.
type FeedPage struct {
	Videos []*Video
	NextMs int64
	Works  map[int64]int64
}

// Feed answers several pages of the feed (at most idbatch.MaxQueries), read together: pages[i]
// holds at most queries[i].Limit (1..30, 30 when out of range) videos published strictly before its
// BeforeMs (now when not positive), newest first, and the time to send back for the next page: the
// publish time of the oldest video of the page, or BeforeMs itself when the page is empty.
func (s *Videos) Feed(ctx context.Context, queries []FeedQuery) ([]FeedPage, error) {
	if err := idbatch.CheckQueries(len(queries)); err != nil {
		return nil, err
	}
	now := s.now().UnixMilli()
	checked := make([]FeedQuery, len(queries))
	for i, q := range queries {
		if q.BeforeMs <= 0 {
			q.BeforeMs = now
		}
		if q.Limit <= 0 || q.Limit > MaxFeedPage {
			q.Limit = MaxFeedPage
		}
		checked[i] = q
	}
	found, err := s.repo.Feed(ctx, checked)
	if err != nil {
		return nil, err
	}
	var all []*Video
	for _, page := range found {
		all = append(all, page...)
	}
	works, err := s.authorWorks(ctx, all)
	if err != nil {
		return nil, err
	}
	pages := make([]FeedPage, len(checked))
	for i, q := range checked {
		pages[i] = FeedPage{Videos: found[i], NextMs: q.BeforeMs, Works: worksOf(found[i], works)}
		if n := len(found[i]); n > 0 {
			pages[i].NextMs = found[i][n-1].PublishTimeMs
		}
	}
	return pages, nil
}

// worksOf picks from works the counts of the authors of videos.
func worksOf(videos []*Video, works map[int64]int64) map[int64]int64 {
	own := make(map[int64]int64, len(videos))
	for _, v := range videos {
		own[v.AuthorID] = works[v.AuthorID]
	}
	return own
}

// MaxList is how many videos a publish list shows (the newest). The contract has no paging, so a
// list is whole up to this safety bound, which keeps one answer's size, and the calls that
// assemble it, bounded however much an author publishes (work_count stays exact).
const MaxList = 1000

// AuthorList is an author's publish list, with the author's work count when it is not empty.
type AuthorList struct {
	Videos []*Video
	Works  map[int64]int64
}

// ListByAuthor answers several pages' publish lists (at most idbatch.MaxQueries), read together:
// lists[i] holds the newest MaxList videos of authorIDs[i], newest first. An invalid id fails the
// whole batch.
func (s *Videos) ListByAuthor(ctx context.Context, authorIDs []int64) ([]AuthorList, error) {
	each, distinct, err := idbatch.Queries(authorIDs, "author_id", func(id int64) int64 { return id })
	if err != nil {
		return nil, err
	}
	byAuthor, err := s.repo.ListByAuthors(ctx, distinct, MaxList)
	if err != nil {
		return nil, err
	}
	var listed []int64 // the authors with videos: the counts an answer carries
	for _, a := range distinct {
		if len(byAuthor[a]) > 0 {
			listed = append(listed, a)
		}
	}
	works, err := s.CountWorks(ctx, listed)
	if err != nil {
		return nil, err
	}
	lists := make([]AuthorList, len(each))
	for i, a := range each {
		lists[i] = AuthorList{Videos: byAuthor[a], Works: worksOf(byAuthor[a], works)}
	}
	return lists, nil
}

// MGet returns the videos among ids that exist, in the order of ids, each once, and the work
// count of each of their authors.
func (s *Videos) MGet(ctx context.Context, ids []int64) ([]*Video, map[int64]int64, error) {
	ids, err := idbatch.Check(ids, "video")
	if err != nil {
		return nil, nil, err
	}
	if len(ids) == 0 {
		return nil, map[int64]int64{}, nil
	}
	found, err := s.repo.MGet(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[int64]*Video, len(found))
	for _, v := range found {
		byID[v.ID] = v
	}
	out := make([]*Video, 0, len(found))
	for _, id := range ids {
		if v, ok := byID[id]; ok {
			out = append(out, v)
		}
	}
	works, err := s.authorWorks(ctx, out)
	if err != nil {
		return nil, nil, err
	}
	return out, works, nil
}

// CountWorks returns the number of videos of each author among ids, 0 for those with none.
func (s *Videos) CountWorks(ctx context.Context, authorIDs []int64) (map[int64]int64, error) {
	ids, err := idbatch.Check(authorIDs, "user")
	out := make(map[int64]int64, len(ids))
	if err != nil || len(ids) == 0 {
		return out, err
	}
	counts, err := s.repo.CountWorks(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		out[id] = counts[id]
	}
	return out, nil
}

// authorWorks returns the number of videos of each author of videos: what a page of them shows
// of their authors. A list holds at most idbatch.Max authors (a feed page, an author's list, a
// batch read), so this is one CountWorks.
func (s *Videos) authorWorks(ctx context.Context, videos []*Video) (map[int64]int64, error) {
	authors := make([]int64, 0, len(videos))
	for _, v := range videos {
		authors = append(authors, v.AuthorID)
	}
	return s.CountWorks(ctx, authors)
}

// NormalizeTitle trims surrounding spaces and checks what remains: required, at most
// MaxTitleLen characters of valid UTF-8, no control characters (a title is one line).
func NormalizeTitle(title string) (string, error) {
	title = strings.TrimSpace(title)
	if title == "" {
		return "", errno.VideoTitleRequired
	}
	if !utf8.ValidString(title) || utf8.RuneCountInString(title) > MaxTitleLen ||
		strings.IndexFunc(title, unicode.IsControl) >= 0 {
		return "", errno.VideoInvalidTitle
	}
	return title, nil
}
