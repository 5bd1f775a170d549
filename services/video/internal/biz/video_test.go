package biz

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/mediajob"
)

// memRepo is an in-memory Repo for the rules' unit tests, with the same unique keys as the table
// and the same publish lock: publishTime runs under the mutex.
type memRepo struct {
	mu     sync.Mutex
	videos []*Video
	works  map[int64]int64
	nextID int64
	outbox []Message
	// listLimit is the limit of the last list read.
	listLimit int
}

func newMemRepo() *memRepo { return &memRepo{works: map[int64]int64{}} }

func (m *memRepo) Create(_ context.Context, v *Video, publishTime func(latestMs int64) int64, job func(*Video) Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	latest := int64(0)
	for _, o := range m.videos {
		if o.PlayKey == v.PlayKey {
			return errno.VideoAlreadyPublished
		}
		latest = max(latest, o.PublishTimeMs)
	}
	at := publishTime(latest)
	for _, o := range m.videos {
		if o.PublishTimeMs == at {
			return fmt.Errorf("duplicate key uk_videos_publish_time: %d", at)
		}
	}
	v.PublishTimeMs = at
	m.nextID++
	v.ID = m.nextID
	cp := *v
	m.videos = append(m.videos, &cp)
	m.works[v.AuthorID]++
	m.outbox = append(m.outbox, job(&cp))
	return nil
}

func (m *memRepo) SetCover(_ context.Context, id int64, coverKey string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, v := range m.videos {
		if v.ID == id {
			if v.CoverKey == "" {
				v.CoverKey = coverKey
			}
			return v.CoverKey, nil
		}
	}
	return "", errno.VideoNotFound
}

func (m *memRepo) newestFirst(keep func(*Video) bool) []*Video {
	var out []*Video
	for _, v := range m.videos {
		if keep(v) {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].PublishTimeMs != out[j].PublishTimeMs {
			return out[i].PublishTimeMs > out[j].PublishTimeMs
		}
		return out[i].ID > out[j].ID
	})
	return out
}

func (m *memRepo) Feed(_ context.Context, queries []FeedQuery) ([][]*Video, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	pages := make([][]*Video, len(queries))
	for i, q := range queries {
		out := m.newestFirst(func(v *Video) bool { return v.PublishTimeMs < q.BeforeMs })
		pages[i] = out[:min(q.Limit, len(out))]
	}
	return pages, nil
}

func (m *memRepo) ListByAuthors(_ context.Context, authorIDs []int64, limit int) (map[int64][]*Video, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.listLimit = limit
	lists := make(map[int64][]*Video, len(authorIDs))
	for _, a := range authorIDs {
		out := m.newestFirst(func(v *Video) bool { return v.AuthorID == a })
		lists[a] = out[:min(limit, len(out))]
	}
	return lists, nil
}

func (m *memRepo) MGet(_ context.Context, ids []int64) ([]*Video, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Video
	for _, v := range m.videos {
		for _, id := range ids {
			if v.ID == id {
				out = append(out, v)
			}
		}
	}
	return out, nil
}

func (m *memRepo) CountWorks(_ context.Context, ids []int64) (map[int64]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[int64]int64{}
	for _, id := range ids {
		if n, ok := m.works[id]; ok {
			out[id] = n
		}
	}
	return out, nil
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(ms int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = time.UnixMilli(ms)
}

func newVideos(startMs int64) (*Videos, *memRepo, *clock) {
	repo := newMemRepo()
	c := &clock{t: time.UnixMilli(startMs)}
	return NewVideos(repo, c.now, func() {}), repo, c
}

var keys atomic.Int64

// key returns a fresh media key, as the gateway generates one per upload.
func key() string { return fmt.Sprintf("k%d.mp4", keys.Add(1)) }

func TestPublishValidates(t *testing.T) {
	s, repo, _ := newVideos(1_700_000_000_000)
	ctx := context.Background()
	cases := []struct {
		name            string
		author          int64
		title, play     string
		want            error
		wantStoredTitle string
	}{
		{"no author", 0, "t", "a.mp4", errno.BadRequest, ""},
		{"negative author", -1, "t", "a.mp4", errno.BadRequest, ""},
		{"empty title", 1, "", "a.mp4", errno.VideoTitleRequired, ""},
		{"blank title", 1, " \t ", "a.mp4", errno.VideoTitleRequired, ""},
		{"101 chars", 1, strings.Repeat("é", 101), "a.mp4", errno.VideoInvalidTitle, ""},
		{"newline", 1, "two\nlines", "a.mp4", errno.VideoInvalidTitle, ""},
		{"invalid utf8", 1, "a\xffb", "a.mp4", errno.VideoInvalidTitle, ""},
		{"no play key", 1, "t", "", errno.BadRequest, ""},
		{"100 chars is fine", 1, strings.Repeat("é", 100), "b.mp4", nil, strings.Repeat("é", 100)},
		{"trimmed", 1, "  hello  ", "c.mp4", nil, "hello"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id, err := s.Publish(ctx, c.author, c.title, c.play)
			if c.want != nil {
				if !errors.Is(err, c.want) || id != 0 {
					t.Fatalf("Publish = %d, %v; want %v", id, err, c.want)
				}
				return
			}
			if err != nil || id <= 0 {
				t.Fatalf("Publish = %d, %v", id, err)
			}
			got, _ := repo.MGet(ctx, []int64{id})
			if len(got) != 1 || got[0].Title != c.wantStoredTitle {
				t.Fatalf("stored %+v; want title %q", got, c.wantStoredTitle)
			}
		})
	}
	if n := len(repo.videos); n != 2 {
		t.Fatalf("%d videos stored; want only the 2 valid ones", n)
	}
}

// Videos published in the same millisecond get distinct, increasing times, so that a page
// boundary can never fall between two videos of one time.
func TestPublishTimesAreUnique(t *testing.T) {
	s, repo, c := newVideos(5_000)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, err := s.Publish(ctx, 1, "same ms", key()); err != nil {
			t.Fatal(err)
		}
	}
	c.set(5_002) // the clock steps back onto a time in use: it must not repeat
	if _, err := s.Publish(ctx, 2, "earlier clock", key()); err != nil {
		t.Fatal(err)
	}
	var times []int64
	for _, v := range repo.videos {
		times = append(times, v.PublishTimeMs)
	}
	want := []int64{5_000, 5_001, 5_002, 5_003, 5_004, 5_005}
	if len(times) != len(want) {
		t.Fatalf("times %v; want %v", times, want)
	}
	for i := range want {
		if times[i] != want[i] {
			t.Fatalf("times %v; want %v", times, want)
		}
	}
}

func TestConcurrentPublishesInOneMillisecond(t *testing.T) {
	s, repo, _ := newVideos(9_000)
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Publish(context.Background(), 3, "burst", key()); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, v := range repo.videos {
		if seen[v.PublishTimeMs] {
			t.Fatalf("publish time %d given twice", v.PublishTimeMs)
		}
		seen[v.PublishTimeMs] = true
	}
	if len(seen) != n || repo.works[3] != n {
		t.Fatalf("%d videos, work count %d; want %d", len(seen), repo.works[3], n)
	}
}

// publishAt stores n videos by author at times start, start+step, ...
func publishAt(t *testing.T, s *Videos, c *clock, author int64, n int, start, step int64) {
	t.Helper()
	for i := 0; i < n; i++ {
		c.set(start + int64(i)*step)
		if _, err := s.Publish(context.Background(), author, "v", key()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFeedPaging(t *testing.T) {
	ctx := context.Background()
	t.Run("empty store", func(t *testing.T) {
		s, _, _ := newVideos(1_000_000)
		videos, next, err := feedOf(ctx, s, 777_000, 30)
		if err != nil || len(videos) != 0 || next != 777_000 {
			t.Fatalf("Feed = %d videos, next %d, %v; want none and next 777000", len(videos), next, err)
		}
		_, next, _ = feedOf(ctx, s, 0, 30)
		if next != 1_000_000 {
			t.Fatalf("empty feed without latest_time: next %d; want now (1000000)", next)
		}
	})
	for _, total := range []int{30, 31} {
		t.Run(fmt.Sprintf("store of %d", total), func(t *testing.T) {
			s, _, c := newVideos(0)
			publishAt(t, s, c, 1, total, 10_000, 1_000)
			c.set(1_000_000)
			page, next, err := feedOf(ctx, s, 0, 0)
			if err != nil || len(page) != 30 {
				t.Fatalf("first page: %d videos, %v; want 30", len(page), err)
			}
			for i := 1; i < len(page); i++ {
				if page[i].PublishTimeMs >= page[i-1].PublishTimeMs {
					t.Fatalf("not newest first at %d", i)
				}
			}
			if next != page[29].PublishTimeMs {
				t.Fatalf("next %d; want the oldest of the page, %d", next, page[29].PublishTimeMs)
			}
			rest, next2, _ := feedOf(ctx, s, next, 30)
			if len(rest) != total-30 {
				t.Fatalf("second page: %d videos; want %d", len(rest), total-30)
			}
			if total == 31 && (rest[0].PublishTimeMs != 10_000 || next2 != 10_000) {
				t.Fatalf("second page = %+v, next %d", rest[0], next2)
			}
			if total == 30 && next2 != next {
				t.Fatalf("empty last page: next %d; want the request's own %d", next2, next)
			}
		})
	}
	t.Run("strictly older", func(t *testing.T) {
		s, _, c := newVideos(0)
		publishAt(t, s, c, 1, 3, 5_000, 1_000) // 5000, 6000, 7000
		page, _, _ := feedOf(ctx, s, 6_000, 30)
		if len(page) != 1 || page[0].PublishTimeMs != 5_000 {
			t.Fatalf("Feed(6000) = %+v; want only the video of 5000", page)
		}
	})
	t.Run("limit out of range", func(t *testing.T) {
		s, _, c := newVideos(0)
		publishAt(t, s, c, 1, 35, 1_000, 1)
		c.set(1_000_000)
		for _, limit := range []int{-1, 0, 31, 1000} {
			if page, _, _ := feedOf(ctx, s, 0, limit); len(page) != 30 {
				t.Fatalf("limit %d: %d videos; want 30", limit, len(page))
			}
		}
		if page, _, _ := feedOf(ctx, s, 0, 2); len(page) != 2 {
			t.Fatalf("limit 2: %d videos", len(page))
		}
	})
	// Many publishes in one millisecond, paged with small pages: every video exactly once.
	t.Run("equal clock readings", func(t *testing.T) {
		s, _, c := newVideos(0)
		publishAt(t, s, c, 1, 25, 50_000, 0)
		c.set(1_000_000)
		seen := map[int64]bool{}
		var next int64
		for pages := 0; pages < 20; pages++ {
			page, n, err := feedOf(ctx, s, next, 4)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, v := range page {
				if seen[v.ID] {
					t.Fatalf("video %d shown twice", v.ID)
				}
				seen[v.ID] = true
			}
			next = n
		}
		if len(seen) != 25 {
			t.Fatalf("paging showed %d of 25 videos", len(seen))
		}
	})
}

func TestListsAndCounts(t *testing.T) {
	s, _, c := newVideos(0)
	ctx := context.Background()
	publishAt(t, s, c, 1, 3, 1_000, 10)
	publishAt(t, s, c, 2, 2, 2_000, 10)

	mine, err := listOf(ctx, s, 1)
	if err != nil || len(mine) != 3 || mine[0].PublishTimeMs != 1_020 || mine[2].PublishTimeMs != 1_000 {
		t.Fatalf("ListByAuthor(1) = %+v, %v", mine, err)
	}
	if repo := s.repo.(*memRepo); repo.listLimit != MaxList {
		t.Fatalf("the list was read with a limit of %d; want MaxList", repo.listLimit)
	}
	if _, err := listOf(ctx, s, 0); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("ListByAuthor(0) = %v; want BadRequest", err)
	}

	counts, err := s.CountWorks(ctx, []int64{1, 2, 3, 1, -4})
	if err != nil || len(counts) != 3 || counts[1] != 3 || counts[2] != 2 || counts[3] != 0 {
		t.Fatalf("CountWorks = %v, %v; want 1:3 2:2 3:0", counts, err)
	}

	got, gotWorks, err := s.MGet(ctx, []int64{mine[2].ID, 999, mine[0].ID, mine[2].ID})
	if err != nil || len(got) != 2 || got[0].ID != mine[2].ID || got[1].ID != mine[0].ID || len(gotWorks) != 1 || gotWorks[1] != 3 {
		t.Fatalf("MGet = %+v, %v, %v; want the two in the asked order, with their author's 3 works", got, gotWorks, err)
	}
	theirs, _ := listOf(ctx, s, 2)
	works, err := s.authorWorks(ctx, append(mine[:1:1], theirs...))
	if err != nil || len(works) != 2 || works[1] != 3 || works[2] != 2 {
		t.Fatalf("authorWorks = %v, %v; want 1:3 2:2", works, err)
	}
	if none, err := s.authorWorks(ctx, nil); err != nil || len(none) != 0 {
		t.Fatalf("authorWorks of no videos = %v, %v", none, err)
	}
	tooMany := make([]int64, idbatch.Max+1)
	for i := range tooMany {
		tooMany[i] = int64(i + 1)
	}
	if _, _, err := s.MGet(ctx, tooMany); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("MGet of %d ids = %v; want BadRequest", len(tooMany), err)
	}
	if _, err := s.CountWorks(ctx, tooMany); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("CountWorks of %d ids = %v; want BadRequest", len(tooMany), err)
	}
}

// Every published video queues one cover job naming it, and the relay is woken once the job is
// stored; a refused publish queues nothing.
func TestPublishQueuesTheCoverJob(t *testing.T) {
	repo := newMemRepo()
	woken := 0
	s := NewVideos(repo, time.Now, func() { woken++ })
	ctx := context.Background()
	id, err := s.Publish(ctx, 4, "with a job", "j.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(ctx, 4, "", "k.mp4"); err == nil {
		t.Fatal("a publish without a title succeeded")
	}
	if len(repo.outbox) != 1 || repo.outbox[0].Subject != mediajob.Subject || woken != 1 {
		t.Fatalf("outbox %v, woken %d; want one %s job and one wake-up", repo.outbox, woken, mediajob.Subject)
	}
	job, err := mediajob.Decode(repo.outbox[0].Payload)
	if err != nil || job != (mediajob.Job{VideoID: id, PlayKey: "j.mp4"}) {
		t.Fatalf("job = %+v, %v; want video %d and its play key", job, err, id)
	}
	if v, _ := repo.MGet(ctx, []int64{id}); v[0].CoverKey != "" {
		t.Fatalf("a new video has cover %q; want none until the worker makes it", v[0].CoverKey)
	}
}

func TestSetCoverKeepsTheFirstCover(t *testing.T) {
	s, _, _ := newVideos(1_000)
	ctx := context.Background()
	id, err := s.Publish(ctx, 1, "t", "a.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if kept, err := s.SetCover(ctx, id, "a.jpg"); err != nil || kept != "a.jpg" {
		t.Fatalf("SetCover = %q, %v", kept, err)
	}
	// A job run again records nothing new.
	if kept, err := s.SetCover(ctx, id, "a.jpg"); err != nil || kept != "a.jpg" {
		t.Fatalf("SetCover again = %q, %v", kept, err)
	}
	if kept, err := s.SetCover(ctx, id, "other.jpg"); err != nil || kept != "a.jpg" {
		t.Fatalf("SetCover with another key = %q, %v; want the first kept", kept, err)
	}
	cases := []struct {
		id   int64
		key  string
		want error
	}{
		{0, "a.jpg", errno.BadRequest},
		{id, "", errno.BadRequest},
		{id, strings.Repeat("k", 256), errno.BadRequest},
		{id + 100, "x.jpg", errno.VideoNotFound},
	}
	for _, c := range cases {
		if _, err := s.SetCover(ctx, c.id, c.key); !errors.Is(err, c.want) {
			t.Errorf("SetCover(%d, %q) = %v; want %v", c.id, c.key, err, c.want)
		}
	}
}

func TestFeedAnswersEachPage(t *testing.T) {
	ctx := context.Background()
	s, _, c := newVideos(0)
	publishAt(t, s, c, 1, 40, 10_000, 1_000) // at 10000, 11000, ... 49000
	c.set(1_000_000)
	pages, err := s.Feed(ctx, []FeedQuery{{}, {BeforeMs: 20_000, Limit: 5}, {BeforeMs: 10_000}})
	if err != nil || len(pages) != 3 {
		t.Fatalf("Feed = %v, %v; want 3 pages", pages, err)
	}
	if p := pages[0]; len(p.Videos) != 30 || p.Videos[0].PublishTimeMs != 49_000 || p.NextMs != 20_000 {
		t.Fatalf("the page of now: %d videos, next %d; want 30 from 49000, next 20000", len(p.Videos), p.NextMs)
	}
	if p := pages[1]; len(p.Videos) != 5 || p.Videos[0].PublishTimeMs != 19_000 || p.NextMs != 15_000 {
		t.Fatalf("the page before 20000: %d videos, next %d; want 5 from 19000, next 15000", len(p.Videos), p.NextMs)
	}
	if p := pages[2]; len(p.Videos) != 0 || p.NextMs != 10_000 {
		t.Fatalf("the page before the first video: %d videos, next %d; want none, next 10000", len(p.Videos), p.NextMs)
	}
	if len(pages[0].Works) != 1 || pages[0].Works[1] != 40 || len(pages[2].Works) != 0 {
		t.Fatalf("work counts = %v, %v; want 1:40 with the videos, none without", pages[0].Works, pages[2].Works)
	}
	lists, err := s.ListByAuthor(ctx, []int64{2, 1, 1})
	if err != nil || len(lists) != 3 || len(lists[0].Videos) != 0 || len(lists[0].Works) != 0 ||
		len(lists[1].Videos) != 40 || lists[1].Works[1] != 40 || len(lists[2].Videos) != 40 {
		t.Fatalf("ListByAuthor(2, 1, 1) = %+v, %v; want none, then 40 videos of 1 with its count, twice", lists, err)
	}
	if _, err := s.ListByAuthor(ctx, nil); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("an empty batch of lists = %v; want BadRequest", err)
	}
	if _, err := s.Feed(ctx, make([]FeedQuery, idbatch.MaxQueries+1)); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("a batch of %d queries = %v; want BadRequest", idbatch.MaxQueries+1, err)
	}
}

// feedOf is one page of the feed, asked as a batch of one: its videos and the next time.
func feedOf(ctx context.Context, s *Videos, latestMs int64, limit int) ([]*Video, int64, error) {
	pages, err := s.Feed(ctx, []FeedQuery{{BeforeMs: latestMs, Limit: limit}})
	if err != nil {
		return nil, 0, err
	}
	return pages[0].Videos, pages[0].NextMs, nil
}

// listOf is one author's publish list, asked as a batch of one.
func listOf(ctx context.Context, s *Videos, author int64) ([]*Video, error) {
	lists, err := s.ListByAuthor(ctx, []int64{author})
	if err != nil {
		return nil, err
	}
	return lists[0].Videos, nil
}
