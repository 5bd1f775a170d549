package assemble_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/video"
)

func newAssembler(opts ...assemble.Option) (*assemble.Assembler, *fakes.Backend) {
	b := fakes.New()
	return assemble.New(b.Clients(), assemble.NewMedia("http://media.test/"), slog.New(slog.DiscardHandler), opts...), b
}

func ids(from, n int64) []int64 {
	out := make([]int64, 0, n)
	for i := range n {
		out = append(out, from+i)
	}
	return out
}

func TestUsersCallCountDoesNotDependOnLength(t *testing.T) {
	for _, size := range []int64{1, 30, 200} {
		a, b := newAssembler()
		users, err := a.Users(context.Background(), 7, ids(1, size))
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(users)) != size {
			t.Fatalf("size %d: got %d users", size, len(users))
		}
		if got := b.Total(); got != 5 {
			t.Fatalf("size %d: %d calls (%v); want 5", size, got, b.CallCounts())
		}
	}
}

func TestUserFields(t *testing.T) {
	a, _ := newAssembler()
	u, err := a.User(context.Background(), 7, 2)
	if err != nil {
		t.Fatal(err)
	}
	if u.Id != 2 || u.Name != "u2" || u.FollowCount != 20 || u.FollowerCount != 200 || !u.IsFollow ||
		u.WorkCount != 3 || u.FavoriteCount != 1 || u.TotalFavorited != 2 {
		t.Fatalf("user = %+v", u)
	}
	if u.Avatar != "http://media.test/static/avatar.png" || u.BackgroundImage != "http://media.test/static/cover.jpg" {
		t.Fatalf("default images = %q, %q", u.Avatar, u.BackgroundImage)
	}
	if _, err := a.User(context.Background(), 7, fakes.MissingFrom); !errors.Is(err, errno.UserNotFound) {
		t.Fatalf("missing user: %v; want UserNotFound", err)
	}
}

func TestAnonymousViewerFollowsNobody(t *testing.T) {
	a, b := newAssembler()
	u, err := a.User(context.Background(), 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if u.IsFollow {
		t.Fatal("an anonymous viewer follows someone")
	}
	if b.Calls("relation.IsFollowing") != 0 {
		t.Fatal("IsFollowing was asked for an anonymous viewer")
	}
}

func page(n int) []*video.Video {
	vs := make([]*video.Video, n)
	for i := range vs {
		vs[i] = &video.Video{Id: int64(100 + i), AuthorId: int64(i%5 + 1), PlayKey: "v.mp4"}
	}
	return vs
}

func TestVideosCallCountDoesNotDependOnLength(t *testing.T) {
	for _, size := range []int{1, 30} {
		a, b := newAssembler()
		out, err := a.Videos(context.Background(), 7, page(size))
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != size {
			t.Fatalf("size %d: got %d videos", size, len(out))
		}
		if got := b.Total(); got != 7 {
			t.Fatalf("size %d: %d calls (%v); want 7", size, got, b.CallCounts())
		}
		first := out[0]
		if first.CommentCount != 101 || first.FavoriteCount != 200 || !first.IsFavorite ||
			first.PlayUrl != "http://media.test/media/v.mp4" || first.CoverUrl != "http://media.test/static/cover.jpg" ||
			first.Author.Id != 1 {
			t.Fatalf("video = %+v", first)
		}
	}
}

// VideosByID keeps the order asked for (the service answers in another) and leaves out videos
// that no longer exist, in one read of the videos.
func TestVideosByIDKeepsTheOrder(t *testing.T) {
	a, b := newAssembler()
	out, err := a.VideosByID(context.Background(), 7, []int64{5, fakes.MissingFrom, 3, 5, 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || out[0].Id != 5 || out[1].Id != 3 || out[2].Id != 4 {
		t.Fatalf("videos = %+v", out)
	}
	if got := b.Total(); got != 8 {
		t.Fatalf("%d calls (%v); want 8", got, b.CallCounts())
	}
}

// A list longer than one batch is split: every user is there, and no call carries more ids than
// a service takes (the fakes refuse more, as the services do).
func TestUsersBeyondOneBatch(t *testing.T) {
	a, b := newAssembler()
	want := ids(3001, 1200)
	list, err := a.UserList(context.Background(), 7, want)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(want) || list[0].Id != want[0] || list[len(list)-1].Id != want[len(want)-1] {
		t.Fatalf("got %d users", len(list))
	}
	if got := b.Calls("user.MGetUsers"); got != 3 {
		t.Fatalf("MGetUsers called %d times for 1200 ids; want 3 batches", got)
	}
}

// The gateway's own cost of assembling a full feed page (30 videos, 5 authors) from batch answers.
func BenchmarkVideosPage(b *testing.B) {
	a, _ := newAssembler()
	vs := page(30)
	for _, v := range vs {
		v.CoverKey = "c.jpg"
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Videos(ctx, 7, vs); err != nil {
			b.Fatal(err)
		}
	}
}
