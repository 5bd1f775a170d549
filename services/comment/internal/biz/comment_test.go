package biz

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
)

// memRepo is an in-memory Repo for the rules' unit tests.
type memRepo struct {
	mu     sync.Mutex
	rows   map[int64]Comment
	nextID int64
	// listLimit is the limit of the last list read.
	listLimit int
}

func newMemRepo() *memRepo { return &memRepo{rows: map[int64]Comment{}} }

func (m *memRepo) Create(_ context.Context, c *Comment, repeatSince time.Time) (*Comment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, row := range m.rows {
		if c.RequestKey != "" && row.UserID == c.UserID && row.RequestKey == c.RequestKey {
			return &row, nil
		}
	}
	if repeat := m.repeatOf(c, repeatSince); c.RequestKey == "" && repeat != nil {
		return repeat, nil
	}
	m.nextID++
	c.ID = m.nextID
	m.rows[c.ID] = *c
	return c, nil
}

// repeatOf is the oldest live comment of c's user on c's video with c's exact text created at or
// after since, or nil (always nil for a zero since).
func (m *memRepo) repeatOf(c *Comment, since time.Time) *Comment {
	var first *Comment
	for _, row := range m.rows {
		if since.IsZero() || row.UserID != c.UserID || row.VideoID != c.VideoID || row.Content != c.Content ||
			row.Deleted || row.CreatedAt.Before(since) {
			continue
		}
		if first == nil || row.ID < first.ID {
			first = &row
		}
	}
	return first
}

func (m *memRepo) Get(_ context.Context, id int64) (*Comment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.rows[id]
	if !ok {
		return nil, errno.CommentNotFound
	}
	return &c, nil
}

func (m *memRepo) Delete(_ context.Context, c *Comment, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	row, ok := m.rows[c.ID]
	if !ok || row.VideoID != c.VideoID || row.Deleted {
		return false, nil
	}
	row.Deleted, row.Content = true, ""
	m.rows[c.ID] = row
	return true, nil
}

func (m *memRepo) ListByVideos(_ context.Context, videoIDs []int64, limit int) (map[int64][]*Comment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	lists := make(map[int64][]*Comment, len(videoIDs))
	for _, videoID := range videoIDs {
		out := []*Comment{}
		for _, c := range m.rows {
			if c.VideoID == videoID && !c.Deleted {
				out = append(out, &c)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
		lists[videoID] = out[:min(limit, len(out))]
	}
	m.listLimit = limit
	return lists, nil
}

func (m *memRepo) Counts(_ context.Context, ids []int64) (map[int64]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[int64]int64{}
	for _, id := range ids {
		for _, c := range m.rows {
			if c.VideoID == id && !c.Deleted {
				out[id]++
			}
		}
	}
	return out, nil
}

type fakeVideos struct {
	authors map[int64]int64
	err     error
}

func (f *fakeVideos) AuthorOf(_ context.Context, videoID int64) (int64, error) {
	if f.err != nil {
		return 0, f.err
	}
	a, ok := f.authors[videoID]
	if !ok {
		return 0, errno.VideoNotFound
	}
	return a, nil
}

// Video 10 is by user 100, video 11 by user 200.
func newComments() (*Comments, *fakeVideos) {
	videos := &fakeVideos{authors: map[int64]int64{10: 100, 11: 200}}
	return NewComments(newMemRepo(), videos, time.Now), videos
}

func TestPostKeepsContentVerbatim(t *testing.T) {
	s, _ := newComments()
	s.now = func() time.Time { return time.Date(2024, 3, 9, 23, 30, 0, 123456789, time.FixedZone("X", 3600)) }
	for _, content := range []string{
		"<script>alert('x')</script> & &amp;",
		"  leading and trailing spaces  ",
		"多语言 😀 émoji\nnew line\ttab",
		"a family 👨\u200d👩\u200d👧 and عربي \u200f(mark) שלום",
		strings.Repeat("字", MaxContentLen),
		"a",
	} {
		c, err := s.Post(context.Background(), 1, 10, content, "")
		if err != nil {
			t.Fatalf("Post(%q): %v", content, err)
		}
		if c.Content != content || c.ID <= 0 || c.UserID != 1 || c.VideoID != 10 {
			t.Fatalf("Post(%q) = %+v", content, c)
		}
		want := time.Date(2024, 3, 9, 22, 30, 0, 123000000, time.UTC)
		if !c.CreatedAt.Equal(want) || c.CreatedAt.Location() != time.UTC {
			t.Fatalf("CreatedAt = %v; want %v (UTC, milliseconds)", c.CreatedAt, want)
		}
	}
}

func TestPostRefusals(t *testing.T) {
	s, videos := newComments()
	cases := []struct {
		name    string
		user    int64
		video   int64
		content string
		want    error
	}{
		{"empty", 1, 10, "", errno.CommentInvalidContent},
		{"only spaces", 1, 10, " \t\n\u3000 ", errno.CommentInvalidContent},
		{"too long", 1, 10, strings.Repeat("a", MaxContentLen+1), errno.CommentInvalidContent},
		{"invalid utf-8", 1, 10, "ok\xff", errno.CommentInvalidContent},
		{"NUL", 1, 10, "a\x00b", errno.CommentInvalidContent},
		{"carriage return", 1, 10, "line\r", errno.CommentInvalidContent},
		{"escape sequence", 1, 10, "\x1b[2Jcleared", errno.CommentInvalidContent},
		{"C1 control", 1, 10, "a\u009bb", errno.CommentInvalidContent},
		{"right-to-left override", 1, 10, "gnp.\u202Eexe", errno.CommentInvalidContent},
		{"right-to-left isolate", 1, 10, "a\u2067b", errno.CommentInvalidContent},
		{"missing video", 1, 999, "hello", errno.VideoNotFound},
		{"bad video id", 1, 0, "hello", errno.BadRequest},
		{"no user", 0, 10, "hello", errno.BadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, err := s.Post(context.Background(), c.user, c.video, c.content, ""); !errors.Is(err, c.want) || got != nil {
				t.Fatalf("Post = %+v, %v; want %v", got, err, c.want)
			}
		})
	}
	// The refusal says what is wrong with the text.
	for content, want := range map[string]string{
		"a\u202Eb":                           "comment_text holds the bidirectional control character U+202E",
		"a\x07b":                             "comment_text holds the control character U+0007 (only newline and tab are allowed)",
		" ":                                  "comment_text is empty or only spaces",
		"ok\xff":                             "comment_text is not valid UTF-8",
		strings.Repeat("a", MaxContentLen+1): "comment_text is longer than 500 characters",
	} {
		if e, ok := errno.From(ValidateContent(content)); !ok || e.Code != errno.CommentInvalidContent.Code || e.Msg != want {
			t.Fatalf("ValidateContent(%q) = %v; want 14003 %q", content, e, want)
		}
	}
	videos.err = errno.ServiceUnavailable
	if _, err := s.Post(context.Background(), 1, 10, "hello", ""); !errors.Is(err, errno.ServiceUnavailable) {
		t.Fatalf("Post while the video service is down = %v", err)
	}
	videos.err = nil
	if n, _ := s.Counts(context.Background(), []int64{10, 999}); n[10] != 0 || n[999] != 0 {
		t.Fatalf("refused posts were stored: %v", n)
	}
}

func TestDeletePermissions(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		deleter int64
		want    error
	}{
		{"comment author", 1, nil},
		{"video author", 100, nil},
		{"someone else", 2, errno.CommentForbidden},
		{"author of another video", 200, errno.CommentForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := newComments()
			posted, err := s.Post(ctx, 1, 10, "mine", "")
			if err != nil {
				t.Fatal(err)
			}
			deleted, err := s.Delete(ctx, c.deleter, 10, posted.ID)
			if !errors.Is(err, c.want) || (c.want == nil && (err != nil || !deleted)) {
				t.Fatalf("Delete by %d = %v, %v; want %v", c.deleter, deleted, err, c.want)
			}
			list, _ := listOf(ctx, s, 10)
			if stillThere := len(list) == 1; stillThere != (c.want != nil) {
				t.Fatalf("after Delete by %d the list is %+v", c.deleter, list)
			}
		})
	}
}

// A repeated delete succeeds, like a repeated unlike, for whoever may delete the comment, and
// changes nothing; for anyone else it stays forbidden. A comment that never existed, or one asked
// for through another video, is not found.
func TestDeleteTwiceAndMismatches(t *testing.T) {
	s, videos := newComments()
	ctx := context.Background()
	c, _ := s.Post(ctx, 1, 10, "once", "")
	other, _ := s.Post(ctx, 1, 11, "elsewhere", "")
	kept, _ := s.Post(ctx, 2, 10, "kept", "")
	mustDelete := func(user, video, id int64, wantDeleted bool) {
		t.Helper()
		if deleted, err := s.Delete(ctx, user, video, id); err != nil || deleted != wantDeleted {
			t.Fatalf("Delete(%d, %d, %d) = %v, %v; want success, deleted %v", user, video, id, deleted, err, wantDeleted)
		}
	}
	mustRefuse := func(user, video, id int64, want error) {
		t.Helper()
		if deleted, err := s.Delete(ctx, user, video, id); !errors.Is(err, want) || deleted {
			t.Fatalf("Delete(%d, %d, %d) = %v, %v; want %v", user, video, id, deleted, err, want)
		}
	}
	mustRefuse(1, 11, c.ID, errno.CommentNotFound) // through the wrong video
	mustDelete(1, 10, c.ID, true)
	mustDelete(1, 10, c.ID, false)   // again by its author
	mustDelete(100, 10, c.ID, false) // again by the video's author
	mustRefuse(2, 10, c.ID, errno.CommentForbidden)
	mustRefuse(1, 11, c.ID, errno.CommentNotFound)
	mustRefuse(1, 10, 999, errno.CommentNotFound) // never existed
	mustRefuse(1, 10, 0, errno.BadRequest)
	if list, _ := listOf(ctx, s, 10); len(list) != 1 || list[0].ID != kept.ID {
		t.Fatalf("List after deletes = %+v; want only comment %d", list, kept.ID)
	}
	if n, _ := s.Counts(ctx, []int64{10}); n[10] != 1 {
		t.Fatalf("Counts after deletes = %v; want 10:1", n)
	}
	// When the video is gone, only the comment's author can still delete.
	delete(videos.authors, 11)
	mustRefuse(200, 11, other.ID, errno.CommentForbidden)
	mustDelete(1, 11, other.ID, true)
}

func TestListNewestFirstAndCounts(t *testing.T) {
	s, _ := newComments()
	ctx := context.Background()
	var ids []int64
	for _, text := range []string{"first", "second", "third"} {
		c, err := s.Post(ctx, 1, 10, text, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	list, err := listOf(ctx, s, 10)
	if err != nil || len(list) != 3 || list[0].ID != ids[2] || list[2].ID != ids[0] {
		t.Fatalf("List = %+v, %v; want newest first", list, err)
	}
	if repo := s.repo.(*memRepo); repo.listLimit != MaxList {
		t.Fatalf("the list was read with a limit of %d; want MaxList", repo.listLimit)
	}
	if empty, err := listOf(ctx, s, 999); err != nil || len(empty) != 0 {
		t.Fatalf("List of a video without comments = %v, %v", empty, err)
	}
	if _, err := listOf(ctx, s, -1); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("List(-1) = %v; want BadRequest", err)
	}
	// A batch answers each query in its place, a video asked twice once read.
	lists, err := s.Lists(ctx, []int64{999, 10, 10})
	if err != nil || len(lists) != 3 || len(lists[0]) != 0 || len(lists[1]) != 3 || len(lists[2]) != 3 {
		t.Fatalf("Lists(999, 10, 10) = %v, %v; want 0, 3 and 3 comments", lists, err)
	}
	if _, err := s.Lists(ctx, nil); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("an empty batch = %v; want BadRequest", err)
	}
	counts, err := s.Counts(ctx, []int64{10, 11, 10, 0})
	if err != nil || len(counts) != 2 || counts[10] != 3 || counts[11] != 0 {
		t.Fatalf("Counts = %v, %v", counts, err)
	}
	tooMany := make([]int64, idbatch.Max+1)
	for i := range tooMany {
		tooMany[i] = int64(i + 1)
	}
	if _, err := s.Counts(ctx, tooMany); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("Counts of %d ids = %v; want BadRequest", len(tooMany), err)
	}
}

// A post repeated with its request key makes no second comment and answers the first; the key is
// the user's own; reused for another comment it is refused; a malformed key is refused.
func TestPostWithARequestKeyHappensOnce(t *testing.T) {
	s, _ := newComments()
	ctx := context.Background()
	first, err := s.Post(ctx, 1, 10, "hello", "k-1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Post(ctx, 1, 10, "hello", "k-1")
	if err != nil || again.ID != first.ID {
		t.Fatalf("the repeated post = %+v, %v; want the first comment %d", again, err, first.ID)
	}
	if list, _ := listOf(ctx, s, 10); len(list) != 1 {
		t.Fatalf("%d comments after a repeated post; want 1", len(list))
	}
	if other, err := s.Post(ctx, 2, 10, "hello", "k-1"); err != nil || other.ID == first.ID {
		t.Fatalf("another user's post with the same key = %+v, %v; want a comment of its own", other, err)
	}
	if _, err := s.Post(ctx, 1, 10, "something else", "k-1"); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("the key reused for other text = %v; want BadRequest", err)
	}
	if _, err := s.Post(ctx, 1, 11, "hello", "k-1"); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("the key reused on another video = %v; want BadRequest", err)
	}
	if _, err := s.Post(ctx, 1, 10, "hello", "bad key"); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("a malformed key = %v; want BadRequest", err)
	}
	if _, err := s.Delete(ctx, 1, 10, first.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Post(ctx, 1, 10, "hello", "k-1"); !errors.Is(err, errno.CommentNotFound) {
		t.Fatalf("the post repeated after its comment was deleted = %v; want CommentNotFound", err)
	}
}

// A post without a request key that repeats its author's text on the same video within
// RepeatWindow (by the service's clock) answers the first comment and stores nothing; past the
// window, after the first was deleted, or with another text, video or author, it is a new comment.
// With a key, the key alone decides.
func TestKeylessRepeatWithinTheWindowAnswersTheFirst(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	type post struct {
		after       time.Duration // since the first post
		user, video int64
		text, key   string
	}
	first := post{0, 1, 10, "hello", ""}
	cases := []struct {
		name        string
		then        post
		deleteFirst bool
		wantFirst   bool
	}{
		{"at once", post{0, 1, 10, "hello", ""}, false, true},
		{"within the window", post{9 * time.Second, 1, 10, "hello", ""}, false, true},
		{"at the end of the window", post{RepeatWindow, 1, 10, "hello", ""}, false, true},
		{"after the window", post{RepeatWindow + time.Millisecond, 1, 10, "hello", ""}, false, false},
		{"the first deleted", post{time.Second, 1, 10, "hello", ""}, true, false},
		{"other text", post{time.Second, 1, 10, "hello!", ""}, false, false},
		{"other case", post{time.Second, 1, 10, "Hello", ""}, false, false},
		{"a trailing space", post{time.Second, 1, 10, "hello ", ""}, false, false},
		{"another video", post{time.Second, 1, 11, "hello", ""}, false, false},
		{"another user", post{time.Second, 2, 10, "hello", ""}, false, false},
		{"with a key", post{time.Second, 1, 10, "hello", "k-1"}, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := newComments()
			now := start
			s.now = func() time.Time { return now }
			a, err := s.Post(ctx, first.user, first.video, first.text, first.key)
			if err != nil {
				t.Fatal(err)
			}
			if c.deleteFirst {
				if _, err := s.Delete(ctx, first.user, first.video, a.ID); err != nil {
					t.Fatal(err)
				}
			}
			now = start.Add(c.then.after)
			b, err := s.Post(ctx, c.then.user, c.then.video, c.then.text, c.then.key)
			if err != nil {
				t.Fatalf("the second post = %v", err)
			}
			counts, _ := s.Counts(ctx, []int64{10, 11})
			stored := len(s.repo.(*memRepo).rows)
			if c.wantFirst {
				if b.ID != a.ID || b.Content != a.Content || !b.CreatedAt.Equal(a.CreatedAt) || stored != 1 || counts[10] != 1 {
					t.Fatalf("the repeat = %+v with %d rows, counts %v; want the first comment %+v, alone", b, stored, counts, a)
				}
				return
			}
			if b.ID == a.ID || b.Content != c.then.text || !b.CreatedAt.Equal(now) || stored != 2 {
				t.Fatalf("the second post = %+v with %d rows; want a new comment at %v", b, stored, now)
			}
		})
	}
}

// Keyed posts are unchanged by the window: the same text posted at once with two keys makes two
// comments, and a key repeated long after the window still answers its comment.
func TestKeyedPostsIgnoreTheWindow(t *testing.T) {
	ctx := context.Background()
	s, _ := newComments()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	a, err := s.Post(ctx, 1, 10, "hello", "k-1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Post(ctx, 1, 10, "hello", "k-2")
	if err != nil || b.ID == a.ID {
		t.Fatalf("the same text with another key = %+v, %v; want a comment of its own", b, err)
	}
	now = now.Add(time.Hour)
	again, err := s.Post(ctx, 1, 10, "hello", "k-1")
	if err != nil || again.ID != a.ID {
		t.Fatalf("the key repeated an hour later = %+v, %v; want comment %d", again, err, a.ID)
	}
	if counts, _ := s.Counts(ctx, []int64{10}); counts[10] != 2 {
		t.Fatalf("comment_count = %d; want 2", counts[10])
	}
}

// listOf is one video's list, asked as a batch of one.
func listOf(ctx context.Context, s *Comments, videoID int64) ([]*Comment, error) {
	lists, err := s.Lists(ctx, []int64{videoID})
	if err != nil {
		return nil, err
	}
	return lists[0], nil
}
