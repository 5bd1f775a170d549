package assemble_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/pkg/errno"
)

// decorations are the calls that only add counts and flags to a video page or a friend list.
var decorations = []string{"relation.UserStats", "favorite.Stats", "video.CountWorks",
	"comment.CountComments", "message.LatestMessages"}

// showBoth assembles a video page and a friend list, the pages that make every decorating call.
func showBoth(a *assemble.Assembler) error {
	if _, err := a.Videos(context.Background(), 7, assemble.Rows(page(3), nil)); err != nil {
		return err
	}
	_, err := a.Friends(context.Background(), 7, []int64{2, 3, 4}, assemble.Known{})
	return err
}

// Today a failed call fails the page, whichever service it was: no count is shown that may be
// wrong.
func TestAFailedCallFailsThePage(t *testing.T) {
	for _, call := range append([]string{"user.MGetUsers"}, decorations...) {
		a, b := newAssembler()
		b.Fail(call, errors.New("connection refused"))
		if err := showBoth(a); !errors.Is(err, errno.ServiceUnavailable) {
			t.Errorf("pages with %s failing = %v; want ServiceUnavailable", call, err)
		}
	}
	a, b := newAssembler()
	b.Fail("video.CountWorks", fakes.BizErr(errno.Internal))
	if _, err := a.Users(context.Background(), 0, []int64{1}); !errors.Is(err, errno.Internal) {
		t.Fatalf("a business error of a decoration = %v; want its code", err)
	}
}

// The decoration policy is the one place that decides what a failed decoration does. A policy
// that keeps the page gets every decorating call by name, and the page shows its rows with zero
// counts and flags; a rows call still fails the page whatever the policy.
func TestTheDecorationPolicyDecides(t *testing.T) {
	var (
		mu  sync.Mutex
		got []string
	)
	keep := func(_ context.Context, call string, err error) error {
		mu.Lock()
		defer mu.Unlock()
		if !errors.Is(err, errno.ServiceUnavailable) {
			t.Errorf("%s reached the policy as %v; want the client error", call, err)
		}
		got = append(got, call)
		return nil
	}
	a, b := newAssembler(assemble.WithDecorationPolicy(keep))
	for _, call := range decorations {
		b.Fail(call, errors.New("connection refused"))
	}
	videos, err := a.Videos(context.Background(), 7, assemble.Rows(page(3), nil))
	if err != nil || len(videos) != 3 {
		t.Fatalf("a kept video page = %v, %v", videos, err)
	}
	if v := videos[0]; v.FavoriteCount != 0 || v.IsFavorite || v.CommentCount != 0 || v.Author.Name != "u1" ||
		v.Author.FollowCount != 0 || v.Author.WorkCount != 0 {
		t.Fatalf("a kept video shows %+v; want its rows with zero decorations", v)
	}
	friends, err := a.Friends(context.Background(), 7, []int64{4}, assemble.Known{})
	if err != nil || len(friends) != 1 || friends[0].Message != "" {
		t.Fatalf("a kept friend list = %v, %v", friends, err)
	}
	mu.Lock()
	slices.Sort(got)
	got = slices.Compact(got)
	mu.Unlock()
	want := slices.Clone(decorations)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("the policy saw %v; want every decoration %v", got, want)
	}

	b.Fail("user.MGetUsers", errors.New("connection refused"))
	if _, err := a.Users(context.Background(), 7, []int64{1}); !errors.Is(err, errno.ServiceUnavailable) {
		t.Fatalf("failed rows with a keeping policy = %v; want ServiceUnavailable", err)
	}
}
