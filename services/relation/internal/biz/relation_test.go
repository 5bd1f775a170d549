package biz

import (
	"context"
	"errors"
	"testing"
	"time"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
)

// memRepo is an in-memory Repo for the rules' unit tests: follows in the order they were made,
// and the time each was dated.
type memRepo struct {
	follows [][2]int64
	dated   map[[2]int64]time.Time
	stats   map[int64]Stats
}

func newMemRepo() *memRepo {
	return &memRepo{stats: map[int64]Stats{}, dated: map[[2]int64]time.Time{}}
}

func (m *memRepo) index(a, b int64) int {
	for i, f := range m.follows {
		if f == [2]int64{a, b} {
			return i
		}
	}
	return -1
}

func (m *memRepo) bump(follower, followee, delta int64) {
	s := m.stats[follower]
	s.FollowCount += delta
	m.stats[follower] = s
	s = m.stats[followee]
	s.FollowerCount += delta
	m.stats[followee] = s
}

func (m *memRepo) Follow(_ context.Context, a, b int64, at time.Time) (bool, error) {
	if m.index(a, b) >= 0 {
		return false, nil
	}
	m.follows = append(m.follows, [2]int64{a, b})
	m.dated[[2]int64{a, b}] = at
	m.bump(a, b, 1)
	return true, nil
}

func (m *memRepo) Unfollow(_ context.Context, a, b int64) (bool, error) {
	i := m.index(a, b)
	if i < 0 {
		return false, nil
	}
	m.follows = append(m.follows[:i], m.follows[i+1:]...)
	m.bump(a, b, -1)
	return true, nil
}

// newestFirst walks the follows from the last made.
func (m *memRepo) newestFirst(limit int, pick func([2]int64) (int64, bool)) []int64 {
	var out []int64
	for i := len(m.follows) - 1; i >= 0 && len(out) < limit; i-- {
		if id, ok := pick(m.follows[i]); ok {
			out = append(out, id)
		}
	}
	return out
}

func (m *memRepo) ListFollowing(_ context.Context, users []int64, limit int) (map[int64][]int64, error) {
	return m.each(users, m.following, limit), nil
}

func (m *memRepo) following(u int64, limit int) []int64 {
	return m.newestFirst(limit, func(f [2]int64) (int64, bool) { return f[1], f[0] == u })
}

func (m *memRepo) ListFollowers(_ context.Context, users []int64, limit int) (map[int64][]int64, error) {
	return m.each(users, m.followers, limit), nil
}

func (m *memRepo) followers(u int64, limit int) []int64 {
	return m.newestFirst(limit, func(f [2]int64) (int64, bool) { return f[0], f[1] == u })
}

func (m *memRepo) ListFriends(_ context.Context, users []int64, limit int) (map[int64][]int64, error) {
	return m.each(users, m.friends, limit), nil
}

// each is the list of each of users, read by one.
func (m *memRepo) each(users []int64, one func(u int64, limit int) []int64, limit int) map[int64][]int64 {
	out := make(map[int64][]int64, len(users))
	for _, u := range users {
		out[u] = one(u, limit)
	}
	return out
}

// friends dates a friendship from the later of its two follows: walking newest first, that is
// the first follow of the pair met.
func (m *memRepo) friends(u int64, limit int) []int64 {
	seen := map[int64]bool{}
	return m.newestFirst(limit, func(f [2]int64) (int64, bool) {
		peer := f[0] + f[1] - u
		if f[0] != u && f[1] != u || seen[peer] || m.index(f[1], f[0]) < 0 {
			return 0, false
		}
		seen[peer] = true
		return peer, true
	})
}

func (m *memRepo) counts(ids []int64) map[int64]Stats {
	out := map[int64]Stats{}
	for _, id := range ids {
		if s, ok := m.stats[id]; ok {
			out[id] = s
		}
	}
	return out
}

func (m *memRepo) StatsFor(_ context.Context, queries []StatsQuery) (map[int64]Stats, []map[int64]bool, error) {
	var all []int64
	following := make([]map[int64]bool, len(queries))
	for i, q := range queries {
		all = append(all, q.IDs...)
		following[i] = map[int64]bool{}
		if q.Viewer > 0 {
			following[i] = m.isFollowing(q.Viewer, q.IDs)
		}
	}
	stats := m.counts(all)
	return stats, following, nil
}

func (m *memRepo) isFollowing(viewer int64, ids []int64) map[int64]bool {
	out := map[int64]bool{}
	for _, id := range ids {
		if m.index(viewer, id) >= 0 {
			out[id] = true
		}
	}
	return out
}

// knownUsers exists for ids 1..99.
type knownUsers struct{ err error }

func (k knownUsers) Exists(_ context.Context, id int64) (bool, error) {
	return id < 100, k.err
}

// epoch is the time of the rules' clock in these tests.
var epoch = time.Date(2024, 1, 1, 12, 0, 0, 123_456_789, time.UTC)

func newRelations() (*Relations, *memRepo) {
	repo := newMemRepo()
	return NewRelations(repo, knownUsers{}, func() time.Time { return epoch }), repo
}

// A follow is dated by the rules' clock, to the millisecond the store keeps.
func TestFollowIsDatedByTheClock(t *testing.T) {
	r, repo := newRelations()
	if _, err := r.Act(context.Background(), 1, 2, Follow); err != nil {
		t.Fatal(err)
	}
	if got := repo.dated[[2]int64{1, 2}]; !got.Equal(epoch.Truncate(time.Millisecond)) {
		t.Fatalf("follow dated %v; want %v", got, epoch.Truncate(time.Millisecond))
	}
}

func TestActRefusals(t *testing.T) {
	r, repo := newRelations()
	cases := []struct {
		name     string
		from, to int64
		action   Action
		want     error
	}{
		{"unknown action", 1, 2, 0, errno.RelationInvalidAction},
		{"action 3", 1, 2, 3, errno.RelationInvalidAction},
		{"follow yourself", 1, 1, Follow, errno.RelationFollowSelf},
		{"unfollow yourself", 1, 1, Unfollow, errno.RelationFollowSelf},
		{"follow nobody", 1, 100, Follow, errno.UserNotFound},
		{"unfollow nobody", 1, 100, Unfollow, errno.UserNotFound},
		{"no follower", 0, 2, Follow, errno.BadRequest},
		{"negative followee", 1, -2, Follow, errno.BadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := r.Act(context.Background(), c.from, c.to, c.action); !errors.Is(err, c.want) {
				t.Fatalf("Act(%d, %d, %d) = %v; want %v", c.from, c.to, c.action, err, c.want)
			}
		})
	}
	if len(repo.follows) != 0 || len(repo.stats) != 0 {
		t.Fatalf("a refused action wrote: %v %v", repo.follows, repo.stats)
	}
}

func TestUserServiceFailureIsReported(t *testing.T) {
	down := errors.New("user service down")
	r := NewRelations(newMemRepo(), knownUsers{err: down}, time.Now)
	if _, err := r.Act(context.Background(), 1, 2, Follow); !errors.Is(err, down) {
		t.Fatalf("Act = %v; want the user service's error", err)
	}
}

func TestFollowIsIdempotent(t *testing.T) {
	r, _ := newRelations()
	ctx := context.Background()
	for i := range 3 {
		if changed, err := r.Act(ctx, 1, 2, Follow); err != nil || changed != (i == 0) {
			t.Fatalf("follow %d: changed %v, %v; want a change the first time only", i+1, changed, err)
		}
	}
	stats, _ := countsOf(ctx, r, []int64{1, 2})
	if stats[1] != (Stats{FollowCount: 1}) || stats[2] != (Stats{FollowerCount: 1}) {
		t.Fatalf("after three follows: %+v", stats)
	}
	for i := range 2 {
		if changed, err := r.Act(ctx, 1, 2, Unfollow); err != nil || changed != (i == 0) {
			t.Fatalf("unfollow %d: changed %v, %v; want a change the first time only", i+1, changed, err)
		}
	}
	// Unfollowing someone never followed is a success that changes nothing.
	if changed, err := r.Act(ctx, 3, 2, Unfollow); err != nil || changed {
		t.Fatalf("an unfollow of nobody: changed %v, %v", changed, err)
	}
	stats, _ = countsOf(ctx, r, []int64{1, 2, 3})
	for id, s := range stats {
		if s != (Stats{}) {
			t.Fatalf("user %d after unfollows: %+v", id, s)
		}
	}
}

func TestListsAndFriends(t *testing.T) {
	r, _ := newRelations()
	ctx := context.Background()
	for _, f := range [][2]int64{{1, 2}, {1, 3}, {1, 4}, {3, 1}, {2, 1}, {5, 1}} {
		if _, err := r.Act(ctx, f[0], f[1], Follow); err != nil {
			t.Fatal(err)
		}
	}
	following, _ := listOf(ctx, r.Following, 1)
	followers, _ := listOf(ctx, r.Followers, 1)
	friends, _ := listOf(ctx, r.Friends, 1)
	// 2 became a friend (2 follows 1) after 3 did.
	if !same(following, 4, 3, 2) || !same(followers, 5, 2, 3) || !same(friends, 2, 3) {
		t.Fatalf("following %v, followers %v, friends %v", following, followers, friends)
	}
	if _, err := listOf(ctx, r.Friends, 0); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("Friends(0) = %v; want BadRequest", err)
	}
}

func TestListsComeWithTheirStats(t *testing.T) {
	r, m := newRelations()
	ctx := context.Background()
	for _, f := range [][2]int64{{1, 2}, {3, 2}, {1, 3}} {
		if _, err := r.Act(ctx, f[0], f[1], Follow); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.Following(ctx, []ListQuery{{UserID: 1, Viewer: 3}, {UserID: 3}, {UserID: 9}})
	if err != nil || len(got) != 3 {
		t.Fatalf("Following = %+v, %v; want 3 answers", got, err)
	}
	if !same(got[0].IDs, 3, 2) || got[0].Stats[2] != (ViewedStats{Stats: Stats{FollowerCount: 2}, IsFollow: true}) ||
		got[0].Stats[3] != (ViewedStats{Stats: Stats{FollowCount: 1, FollowerCount: 1}}) {
		t.Fatalf("user 1's list as 3 sees it = %+v", got[0])
	}
	if !same(got[1].IDs, 2) || got[1].Stats[2] != (ViewedStats{Stats: Stats{FollowerCount: 2}}) {
		t.Fatalf("user 3's list, anonymous = %+v", got[1])
	}
	if len(got[2].IDs) != 0 || len(got[2].Stats) != 0 {
		t.Fatalf("an empty list = %+v; want no ids and no stats", got[2])
	}
	// Longer than one batch of a lookup: the stats of every user listed all the same.
	for id := int64(1000); id < 1000+idbatch.Max; id++ {
		m.follows = append(m.follows, [2]int64{1, id})
	}
	long, err := r.Following(ctx, []ListQuery{{UserID: 1}})
	if err != nil || len(long[0].IDs) != idbatch.Max+2 || len(long[0].Stats) != idbatch.Max+2 {
		t.Fatalf("a list of %d = %d ids, %d stats, %v", idbatch.Max+2, len(long[0].IDs), len(long[0].Stats), err)
	}
	if _, err := r.Following(ctx, nil); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("an empty batch = %v; want BadRequest", err)
	}
	if _, err := r.Following(ctx, []ListQuery{{UserID: 1}, {UserID: -1}}); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("a batch with user -1 = %v; want BadRequest", err)
	}
}

// listOf is one user's list from a reader of batches of lists.
func listOf(ctx context.Context, lists func(context.Context, []ListQuery) ([]ListAnswer, error), user int64) ([]int64, error) {
	answers, err := lists(ctx, []ListQuery{{UserID: user}})
	if err != nil {
		return nil, err
	}
	return answers[0].IDs, nil
}

// statsFor is one query's Stats.
func statsFor(ctx context.Context, r *Relations, viewer int64, ids []int64) (map[int64]ViewedStats, error) {
	answers, err := r.Stats(ctx, []StatsQuery{{Viewer: viewer, IDs: ids}})
	if err != nil {
		return nil, err
	}
	return answers[0], nil
}

// countsOf is the counters of one query's Stats, without a viewer.
func countsOf(ctx context.Context, r *Relations, ids []int64) (map[int64]Stats, error) {
	viewed, err := statsFor(ctx, r, 0, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Stats, len(viewed))
	for id, v := range viewed {
		out[id] = v.Stats
	}
	return out, nil
}

func same(got []int64, want ...int64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func TestStatsJoinCountsAndTheViewersFollows(t *testing.T) {
	r, _ := newRelations()
	ctx := context.Background()
	for _, f := range [][2]int64{{1, 2}, {3, 2}, {2, 3}} {
		if _, err := r.Act(ctx, f[0], f[1], Follow); err != nil {
			t.Fatal(err)
		}
	}
	got, err := statsFor(ctx, r, 1, []int64{2, 3, 4, 2, 0})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]ViewedStats{
		2: {Stats: Stats{FollowCount: 1, FollowerCount: 2}, IsFollow: true},
		3: {Stats: Stats{FollowCount: 1, FollowerCount: 1}},
		4: {},
	}
	if len(got) != len(want) {
		t.Fatalf("StatsFor = %v; want %v", got, want)
	}
	for id, w := range want {
		if got[id] != w {
			t.Fatalf("StatsFor[%d] = %+v; want %+v", id, got[id], w)
		}
	}
	anon, err := statsFor(ctx, r, 0, []int64{2})
	if err != nil || anon[2].IsFollow || anon[2].FollowerCount != 2 {
		t.Fatalf("anonymous StatsFor = %v, %v", anon, err)
	}
	tooMany := make([]int64, idbatch.Max+1)
	for i := range tooMany {
		tooMany[i] = int64(i + 1)
	}
	if _, err := statsFor(ctx, r, 1, tooMany); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("StatsFor of %d ids = %v; want BadRequest", len(tooMany), err)
	}
}

func TestStatsAnswersEachQueryForItsViewer(t *testing.T) {
	r, _ := newRelations()
	ctx := context.Background()
	for _, f := range [][2]int64{{1, 2}, {3, 2}} {
		if _, err := r.Act(ctx, f[0], f[1], Follow); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.Stats(ctx, []StatsQuery{{Viewer: 1, IDs: []int64{2, 3}}, {Viewer: 2, IDs: []int64{2}}, {IDs: []int64{-1}}})
	if err != nil || len(got) != 3 {
		t.Fatalf("Stats = %v, %v; want 3 answers", got, err)
	}
	if got[0][2] != (ViewedStats{Stats: Stats{FollowerCount: 2}, IsFollow: true}) || got[0][3] != (ViewedStats{Stats: Stats{FollowCount: 1}}) {
		t.Fatalf("viewer 1's answer = %+v", got[0])
	}
	if len(got[1]) != 1 || got[1][2] != (ViewedStats{Stats: Stats{FollowerCount: 2}}) {
		t.Fatalf("viewer 2's answer = %+v; want user 2, not followed by themself", got[1])
	}
	if got[2] == nil || len(got[2]) != 0 {
		t.Fatalf("a query of no valid id = %v; want an empty map", got[2])
	}
	if _, err := r.Stats(ctx, nil); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("an empty batch = %v; want BadRequest", err)
	}
	if _, err := r.Stats(ctx, make([]StatsQuery, idbatch.MaxQueries+1)); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("a batch of %d queries = %v; want BadRequest", idbatch.MaxQueries+1, err)
	}
}
