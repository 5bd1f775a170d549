package biz

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
)

// memRepo is an in-memory Repo for the rules' unit tests; counters are derived from the likes, so
// the tests check the rules, not the bookkeeping (the dal tests check that against MySQL).
type memRepo struct {
	mu    sync.Mutex
	likes map[[2]int64]LikeRecord
	order map[[2]int64]int
	seq   int
	// listLimit is the limit of the last list read.
	listLimit int
	// authorReads counts AuthorsOf; it leaves out the videos of authorless, as it does a video
	// everyone unliked since its list was read.
	authorReads int
	authorless  map[int64]bool
}

func newMemRepo() *memRepo {
	return &memRepo{likes: map[[2]int64]LikeRecord{}, order: map[[2]int64]int{}}
}

func (m *memRepo) Like(_ context.Context, l LikeRecord) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := [2]int64{l.UserID, l.VideoID}
	if _, ok := m.likes[key]; ok {
		return false, nil
	}
	m.seq++
	m.likes[key], m.order[key] = l, m.seq
	return true, nil
}

func (m *memRepo) Unlike(_ context.Context, userID, videoID int64) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := [2]int64{userID, videoID}
	if _, ok := m.likes[key]; !ok {
		return false, nil
	}
	delete(m.likes, key)
	delete(m.order, key)
	return true, nil
}

func (m *memRepo) LikedVideosOf(_ context.Context, userIDs []int64, limit int) (map[int64][]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	lists := make(map[int64][]int64, len(userIDs))
	for _, userID := range userIDs {
		var keys [][2]int64
		for k := range m.likes {
			if k[0] == userID {
				keys = append(keys, k)
			}
		}
		sort.Slice(keys, func(i, j int) bool { return m.order[keys[i]] > m.order[keys[j]] })
		out := []int64{}
		for _, k := range keys {
			out = append(out, k[1])
		}
		lists[userID] = out[:min(limit, len(out))]
	}
	m.listLimit = limit
	return lists, nil
}

func (m *memRepo) AuthorsOf(_ context.Context, videoIDs []int64) (map[int64]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.authorReads++
	out := map[int64]int64{}
	for _, id := range videoIDs {
		for k, l := range m.likes {
			if k[1] == id && !m.authorless[id] {
				out[id] = l.AuthorID
			}
		}
	}
	return out, nil
}

func (m *memRepo) videoStats(_ context.Context, viewer int64, ids []int64) (map[int64]VideoStat, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[int64]VideoStat{}
	for _, id := range ids {
		for k := range m.likes {
			if k[1] == id {
				s := out[id]
				s.FavoriteCount++
				s.IsFavorite = s.IsFavorite || k[0] == viewer
				out[id] = s
			}
		}
	}
	return out, nil
}

func (m *memRepo) Stats(ctx context.Context, queries []StatsQuery) ([]StatsAnswer, error) {
	out := make([]StatsAnswer, len(queries))
	for i, q := range queries {
		out[i].Videos, _ = m.videoStats(ctx, q.Viewer, q.VideoIDs)
		out[i].Users, _ = m.userStats(ctx, q.UserIDs)
	}
	return out, nil
}

func (m *memRepo) userStats(_ context.Context, ids []int64) (map[int64]UserStat, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[int64]UserStat{}
	for _, id := range ids {
		for _, l := range m.likes {
			s := out[id]
			if l.UserID == id {
				s.FavoriteCount++
			}
			if l.AuthorID == id {
				s.TotalFavorited++
			}
			out[id] = s
		}
	}
	return out, nil
}

// fakeVideos knows the author of each existing video; every lookup is counted.
type fakeVideos struct {
	authors map[int64]int64
	calls   int
	err     error
}

func (f *fakeVideos) AuthorOf(_ context.Context, videoID int64) (int64, error) {
	f.calls++
	if f.err != nil {
		return 0, f.err
	}
	a, ok := f.authors[videoID]
	if !ok {
		return 0, errno.VideoNotFound
	}
	return a, nil
}

func newFavorites() (*Favorites, *fakeVideos) {
	videos := &fakeVideos{authors: map[int64]int64{10: 100, 11: 100, 12: 200}}
	return NewFavorites(newMemRepo(), videos, time.Now), videos
}

func TestLikeAndUnlikeAreIdempotent(t *testing.T) {
	f, _ := newFavorites()
	ctx := context.Background()
	steps := []struct {
		action      Action
		wantChanged bool
	}{
		{Like, true}, {Like, false}, {Unlike, true}, {Unlike, false}, {Like, true},
	}
	for i, s := range steps {
		changed, err := f.Act(ctx, 1, 10, s.action)
		if err != nil || changed != s.wantChanged {
			t.Fatalf("step %d: Act(%d) = %v, %v; want changed %v", i, s.action, changed, err, s.wantChanged)
		}
	}
	stats, err := videoStats(ctx, f, 1, []int64{10})
	if err != nil || stats[10] != (VideoStat{FavoriteCount: 1, IsFavorite: true}) {
		t.Fatalf("videoStats = %+v, %v", stats, err)
	}
}

func TestUnlikeNeverLikedIsSuccessWithoutAskingVideos(t *testing.T) {
	f, videos := newFavorites()
	// Even a video that does not exist: there is nothing to undo.
	changed, err := f.Act(context.Background(), 1, 999, Unlike)
	if err != nil || changed {
		t.Fatalf("Unlike of a never liked video = %v, %v; want success without change", changed, err)
	}
	if videos.calls != 0 {
		t.Fatalf("an unlike asked the video service %d times", videos.calls)
	}
}

func TestActRefusals(t *testing.T) {
	f, _ := newFavorites()
	cases := []struct {
		name        string
		user, video int64
		action      Action
		want        error
		wantMsg     string
	}{
		{"missing video", 1, 999, Like, errno.VideoNotFound, ""},
		{"action 0", 1, 10, 0, errno.FavoriteInvalidAction, ""},
		{"action 3", 1, 10, 3, errno.FavoriteInvalidAction, ""},
		{"no user", 0, 10, Like, errno.BadRequest, "user_id"},
		{"bad video id", 1, -5, Like, errno.BadRequest, "video_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			changed, err := f.Act(context.Background(), c.user, c.video, c.action)
			if !errors.Is(err, c.want) || changed {
				t.Fatalf("Act = %v, %v; want %v", changed, err, c.want)
			}
			if !strings.Contains(err.Error(), c.wantMsg) {
				t.Fatalf("message %q does not name %s", err, c.wantMsg)
			}
		})
	}
	stats, _ := userStats(context.Background(), f, []int64{1, 100})
	if stats[1] != (UserStat{}) || stats[100] != (UserStat{}) {
		t.Fatalf("a refused action changed counts: %+v", stats)
	}
}

func TestVideoServiceFailureIsPassedOn(t *testing.T) {
	f, videos := newFavorites()
	videos.err = errno.ServiceUnavailable
	if _, err := f.Act(context.Background(), 1, 10, Like); !errors.Is(err, errno.ServiceUnavailable) {
		t.Fatalf("Act = %v; want the video service's error", err)
	}
}

func TestListsNewestLikeFirst(t *testing.T) {
	f, _ := newFavorites()
	ctx := context.Background()
	for _, v := range []int64{10, 11, 12} {
		if _, err := f.Act(ctx, 1, v, Like); err != nil {
			t.Fatal(err)
		}
	}
	// Liking again does not move a like; unliking and liking again makes it the newest.
	mustAct(t, f, 1, 10, Like)
	mustAct(t, f, 1, 11, Unlike)
	mustAct(t, f, 1, 11, Like)
	got, err := f.Lists(ctx, []ListQuery{{UserID: 1}, {UserID: 2}})
	if err != nil || len(got) != 2 || fmt.Sprint(got[0].VideoIDs) != "[11 12 10]" || len(got[1].VideoIDs) != 0 {
		t.Fatalf("Lists = %+v, %v; want [11 12 10] and an empty list", got, err)
	}
	repo := f.repo.(*memRepo)
	if repo.listLimit != MaxList || repo.authorReads != 1 {
		t.Fatalf("the lists were read with a limit of %d (want MaxList) and %d reads of authors (want 1)", repo.listLimit, repo.authorReads)
	}
	if _, err := f.Lists(ctx, []ListQuery{{UserID: 1}, {UserID: 0}}); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("Lists with user 0 = %v; want BadRequest", err)
	}
	if _, err := f.Lists(ctx, nil); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("Lists of no query = %v; want BadRequest", err)
	}
}

func TestListsAnswerWhatThePageShows(t *testing.T) {
	f, _ := newFavorites()
	ctx := context.Background()
	mustAct(t, f, 1, 10, Like)
	mustAct(t, f, 1, 12, Like)
	mustAct(t, f, 2, 12, Like)

	got, err := f.Lists(ctx, []ListQuery{
		{UserID: 1, Viewer: 2},
		{UserID: 1},
		{UserID: 3, Viewer: 1}, // likes nothing
	})
	if err != nil || len(got) != 3 {
		t.Fatalf("Lists = %+v, %v", got, err)
	}
	mine := got[0]
	if fmt.Sprint(mine.VideoIDs) != "[12 10]" || fmt.Sprint(mine.Authors) != "[200 100]" {
		t.Fatalf("user 1's list for viewer 2 = %+v; want [12 10] by [200 100], with stats", mine)
	}
	if v := mine.Stats.Videos; len(v) != 2 || v[12] != (VideoStat{FavoriteCount: 2, IsFavorite: true}) || v[10] != (VideoStat{FavoriteCount: 1}) {
		t.Fatalf("the videos' stats for viewer 2 = %+v", v)
	}
	if u := mine.Stats.Users; len(u) != 2 || u[200] != (UserStat{TotalFavorited: 2}) || u[100] != (UserStat{TotalFavorited: 1}) {
		t.Fatalf("the authors' stats = %+v", u)
	}
	if anon := got[1].Stats; anon.Videos[12].IsFavorite || anon.Videos[10].IsFavorite || anon.Videos[12].FavoriteCount != 2 {
		t.Fatalf("the anonymous list's stats = %+v", anon)
	}
	if len(got[2].Stats.Videos) != 0 || len(got[2].Authors) != 0 || len(got[2].VideoIDs) != 0 {
		t.Fatalf("an empty list = %+v; want nothing", got[2])
	}
	if repo := f.repo.(*memRepo); repo.authorReads != 1 {
		t.Fatalf("the authors were read %d times for one batch; want 1", repo.authorReads)
	}
}

// A video whose author the service no longer knows has no like left (everyone unliked it since
// the list was read): it is left out of the list, and the rest of the list is whole.
func TestListsLeaveOutAVideoWhoseAuthorIsUnknown(t *testing.T) {
	f, _ := newFavorites()
	ctx := context.Background()
	mustAct(t, f, 1, 10, Like)
	mustAct(t, f, 1, 11, Like)
	mustAct(t, f, 2, 10, Like)
	f.repo.(*memRepo).authorless = map[int64]bool{11: true}

	got, err := f.Lists(ctx, []ListQuery{{UserID: 1}, {UserID: 2}})
	if err != nil || len(got) != 2 {
		t.Fatalf("Lists = %+v, %v", got, err)
	}
	if fmt.Sprint(got[0].VideoIDs) != "[10]" || fmt.Sprint(got[0].Authors) != "[100]" || got[0].Stats.Videos[10].FavoriteCount != 2 {
		t.Fatalf("a list with an authorless video = %+v; want the others, with their stats", got[0])
	}
	if _, ok := got[0].Stats.Videos[11]; ok {
		t.Fatalf("the authorless video has stats: %+v", got[0].Stats)
	}
	if fmt.Sprint(got[1].Authors) != "[100]" || got[1].Stats.Videos[10].FavoriteCount != 2 {
		t.Fatalf("the other list of the batch = %+v; want it whole", got[1])
	}
}

func TestStatsAnswerEveryIDAndViewerFlag(t *testing.T) {
	f, _ := newFavorites()
	ctx := context.Background()
	mustAct(t, f, 1, 10, Like)
	mustAct(t, f, 2, 10, Like)
	mustAct(t, f, 2, 12, Like)

	anon, err := videoStats(ctx, f, 0, []int64{10, 12, 11, 10, -1})
	if err != nil || len(anon) != 3 || anon[10] != (VideoStat{FavoriteCount: 2}) || anon[12] != (VideoStat{FavoriteCount: 1}) || anon[11] != (VideoStat{}) {
		t.Fatalf("anonymous videoStats = %+v, %v", anon, err)
	}
	mine, _ := videoStats(ctx, f, 1, []int64{10, 12})
	if !mine[10].IsFavorite || mine[12].IsFavorite {
		t.Fatalf("viewer 1 videoStats = %+v; want 10 liked, 12 not", mine)
	}

	users, err := userStats(ctx, f, []int64{1, 2, 100, 200, 3})
	want := map[int64]UserStat{1: {FavoriteCount: 1}, 2: {FavoriteCount: 2}, 100: {TotalFavorited: 2},
		200: {TotalFavorited: 1}, 3: {}}
	if err != nil || len(users) != len(want) {
		t.Fatalf("userStats = %+v, %v", users, err)
	}
	for id, w := range want {
		if users[id] != w {
			t.Fatalf("userStats[%d] = %+v; want %+v", id, users[id], w)
		}
	}

	tooMany := make([]int64, idbatch.Max+1)
	for i := range tooMany {
		tooMany[i] = int64(i + 1)
	}
	if _, err := videoStats(ctx, f, 0, tooMany); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("videoStats of %d ids = %v; want BadRequest", len(tooMany), err)
	}
	if _, err := userStats(ctx, f, tooMany); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("userStats of %d ids = %v; want BadRequest", len(tooMany), err)
	}
	if empty, err := userStats(ctx, f, nil); err != nil || empty == nil || len(empty) != 0 {
		t.Fatalf("userStats(nil) = %v, %v; want an empty map", empty, err)
	}
}

func mustAct(t *testing.T, f *Favorites, user, video int64, a Action) {
	t.Helper()
	if _, err := f.Act(context.Background(), user, video, a); err != nil {
		t.Fatalf("Act(%d, %d, %d): %v", user, video, a, err)
	}
}

func TestStatsAnswersEachQueryForItsViewer(t *testing.T) {
	f, _ := newFavorites()
	ctx := context.Background()
	mustAct(t, f, 1, 10, Like)
	mustAct(t, f, 2, 12, Like)

	answers, err := f.Stats(ctx, []StatsQuery{
		{Viewer: 1, VideoIDs: []int64{10, 12}},
		{Viewer: 2, VideoIDs: []int64{10, 12}, UserIDs: []int64{2}},
		{VideoIDs: []int64{12, -5}},
	})
	if err != nil || len(answers) != 3 {
		t.Fatalf("Stats = %+v, %v; want 3 answers", answers, err)
	}
	if a := answers[0]; a.Videos[10] != (VideoStat{FavoriteCount: 1, IsFavorite: true}) || a.Videos[12] != (VideoStat{FavoriteCount: 1}) || len(a.Users) != 0 {
		t.Fatalf("viewer 1's answer = %+v", a)
	}
	if a := answers[1]; a.Videos[10].IsFavorite || !a.Videos[12].IsFavorite || a.Users[2] != (UserStat{FavoriteCount: 1}) {
		t.Fatalf("viewer 2's answer = %+v", a)
	}
	if a := answers[2]; len(a.Videos) != 1 || a.Videos[12] != (VideoStat{FavoriteCount: 1}) {
		t.Fatalf("the anonymous answer = %+v; want video 12 alone, not liked", a)
	}

	if _, err := f.Stats(ctx, nil); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("an empty batch = %v; want BadRequest", err)
	}
	if _, err := f.Stats(ctx, make([]StatsQuery, idbatch.MaxQueries+1)); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("a batch of %d queries = %v; want BadRequest", idbatch.MaxQueries+1, err)
	}
	tooMany := make([]int64, idbatch.Max+1)
	for i := range tooMany {
		tooMany[i] = int64(i + 1)
	}
	if _, err := f.Stats(ctx, []StatsQuery{{Viewer: 1}, {UserIDs: tooMany}}); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("a batch with a query of %d ids = %v; want BadRequest", len(tooMany), err)
	}
}

// videoStats is the videos' part of one query's Stats.
func videoStats(ctx context.Context, f *Favorites, viewer int64, ids []int64) (map[int64]VideoStat, error) {
	answers, err := f.Stats(ctx, []StatsQuery{{Viewer: viewer, VideoIDs: ids}})
	if err != nil {
		return nil, err
	}
	return answers[0].Videos, nil
}

// userStats is the users' part of one query's Stats.
func userStats(ctx context.Context, f *Favorites, ids []int64) (map[int64]UserStat, error) {
	answers, err := f.Stats(ctx, []StatsQuery{{UserIDs: ids}})
	if err != nil {
		return nil, err
	}
	return answers[0].Users, nil
}
