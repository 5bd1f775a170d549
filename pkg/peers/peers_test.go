package peers

import (
	"context"
	"errors"
	"testing"

	"github.com/cloudwego/kitex/client/callopt"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/user"
	"simpletiktok/pkg/kitex_gen/user/userservice"
	"simpletiktok/pkg/kitex_gen/video"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
)

// videoFacts answers MGetVideos from authors and counts the calls; other methods are not used.
type videoFacts struct {
	videoservice.Client
	authors map[int64]int64
	calls   int
}

func (f *videoFacts) MGetVideos(_ context.Context, req *video.MGetVideosRequest, _ ...callopt.Option) (*video.MGetVideosResponse, error) {
	f.calls++
	resp := &video.MGetVideosResponse{}
	for _, id := range req.VideoIds {
		if a, ok := f.authors[id]; ok {
			resp.Videos = append(resp.Videos, &video.Video{Id: id, AuthorId: a})
		}
	}
	return resp, nil
}

// A video's author is asked once, then kept; a video not found is asked again, and is found once
// it exists.
func TestAuthorsAreKeptOnceKnown(t *testing.T) {
	facts := &videoFacts{authors: map[int64]int64{10: 7}}
	v := NewVideos(facts)
	ctx := context.Background()
	for range 3 {
		if a, err := v.AuthorOf(ctx, 10); err != nil || a != 7 {
			t.Fatalf("AuthorOf(10) = %d, %v; want 7", a, err)
		}
	}
	if facts.calls != 1 {
		t.Fatalf("%d calls for one video asked three times; want 1", facts.calls)
	}
	if _, err := v.AuthorOf(ctx, 11); !errors.Is(err, errno.VideoNotFound) {
		t.Fatalf("AuthorOf(11) = %v; want VideoNotFound", err)
	}
	facts.authors[11] = 8 // published meanwhile
	if a, err := v.AuthorOf(ctx, 11); err != nil || a != 8 {
		t.Fatalf("AuthorOf(11) once published = %d, %v; want 8", a, err)
	}
}

// userFacts answers MGetUsers from ids and counts the calls.
type userFacts struct {
	userservice.Client
	ids   map[int64]bool
	calls int
}

func (f *userFacts) MGetUsers(_ context.Context, req *user.MGetUsersRequest, _ ...callopt.Option) (*user.MGetUsersResponse, error) {
	f.calls++
	resp := &user.MGetUsersResponse{}
	for _, id := range req.UserIds {
		if f.ids[id] {
			resp.Users = append(resp.Users, &user.User{Id: id})
		}
	}
	return resp, nil
}

// An account known to exist is asked once; one not found is asked again.
func TestKnownUsersAreKept(t *testing.T) {
	facts := &userFacts{ids: map[int64]bool{1: true}}
	u := NewUsers(facts)
	ctx := context.Background()
	for _, id := range []int64{1, 1, 2, 2} {
		if ok, err := u.Exists(ctx, id); err != nil || ok != (id == 1) {
			t.Fatalf("Exists(%d) = %v, %v", id, ok, err)
		}
	}
	if facts.calls != 3 {
		t.Fatalf("%d calls; want 3 (user 1 once, user 2 each time)", facts.calls)
	}
}
