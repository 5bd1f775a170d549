package assemble_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/degrade"
	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/favorite"
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

// A failed rows call fails the page, whichever service it was, with the call's error as the
// project says it (a business code unchanged).
func TestAFailedRowsCallFailsThePage(t *testing.T) {
	a, b := newAssembler()
	b.Fail("user.MGetUsers", errors.New("connection refused"))
	if err := showBoth(a); !errors.Is(err, errno.ServiceUnavailable) {
		t.Errorf("pages with user.MGetUsers failing = %v; want ServiceUnavailable", err)
	}
	a, b = newAssembler()
	b.Fail("video.MGetVideos", fakes.BizErr(errno.Internal))
	list := &favorite.ListFavoritesAnswer{VideoIds: []int64{5}, AuthorIds: []int64{fakes.AuthorOf(5)}}
	if _, err := a.Videos(context.Background(), 0, assemble.Liked(list)); !errors.Is(err, errno.Internal) {
		t.Fatalf("a business error of the rows = %v; want its code", err)
	}
}

// A failed decorating call keeps the page: its rows with that call's counts and flags at zero, and
// the call named in the request's report (internal/degrade), for every decoration.
func TestAFailedDecorationKeepsThePageAndIsReported(t *testing.T) {
	a, b := newAssembler()
	for _, call := range decorations {
		b.Fail(call, errors.New("connection refused"))
	}
	ctx, report := degrade.Start(context.Background())
	videos, err := a.Videos(ctx, 7, assemble.Rows(page(3), nil))
	if err != nil || len(videos) != 3 {
		t.Fatalf("a kept video page = %v, %v", videos, err)
	}
	if v := videos[0]; v.FavoriteCount != 0 || v.IsFavorite || v.CommentCount != 0 || v.Author.Name != "u1" ||
		v.Author.FollowCount != 0 || v.Author.WorkCount != 0 {
		t.Fatalf("a kept video shows %+v; want its rows with zero decorations", v)
	}
	friends, err := a.Friends(ctx, 7, []int64{4}, assemble.Known{})
	if err != nil || len(friends) != 1 || friends[0].Message != "" {
		t.Fatalf("a kept friend list = %v, %v", friends, err)
	}
	names, errs := report.Parts()
	want := slices.Clone(decorations)
	slices.Sort(want)
	if names != strings.Join(want, ",") || len(errs) != len(want) {
		t.Fatalf("the report names %q; want every decoration %v", names, want)
	}
}
