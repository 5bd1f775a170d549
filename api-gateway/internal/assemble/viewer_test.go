package assemble_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"simpletiktok/api-gateway/hertz_gen/douyin"
	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/degrade"
	"simpletiktok/pkg/kitex_gen/video"
)

// filled sets every scalar field of m to a value of its own that no service would send (each
// int64 field n is 1000+n, each string its name, each bool true), and each message field to a
// filled message.
func filled(m protoreflect.Message) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		switch f.Kind() {
		case protoreflect.Int64Kind:
			m.Set(f, protoreflect.ValueOfInt64(1000+int64(f.Number())))
		case protoreflect.StringKind:
			m.Set(f, protoreflect.ValueOfString(string(f.Name())))
		case protoreflect.BoolKind:
			m.Set(f, protoreflect.ValueOfBool(true))
		case protoreflect.MessageKind:
			sub := m.Mutable(f).Message()
			filled(sub)
		default:
			panic(fmt.Sprintf("filled: field %s of kind %s", f.FullName(), f.Kind()))
		}
	}
}

// sharedPage is a page of two videos, every field set, as anyone sees it: video 4 by author 2
// (both even: the fakes' viewer likes and follows them) and video 5 by author 3.
func sharedPage() []*douyin.Video {
	var page []*douyin.Video
	for _, ids := range [][2]int64{{4, 2}, {5, 3}} {
		v := &douyin.Video{}
		filled(v.ProtoReflect())
		v.Id, v.Author.Id = ids[0], ids[1]
		v.IsFavorite, v.Author.IsFollow = false, false
		page = append(page, v)
	}
	return page
}

// partsOf reads the parts of viewers of a page of videos, with the page as anyone sees it.
func partsOf(t *testing.T, a *assemble.Assembler, ctx context.Context, viewers []int64, page []*douyin.Video) []assemble.ViewerPart {
	t.Helper()
	var listed []*video.Video
	for _, v := range page {
		listed = append(listed, &video.Video{Id: v.Id, AuthorId: v.Author.Id})
	}
	_, parts, err := a.ForAnyoneWith(ctx, assemble.Rows(listed, nil), viewers)
	if err != nil || len(parts) != len(viewers) {
		t.Fatalf("ForAnyoneWith = %d parts, %v; want %d", len(parts), err, len(viewers))
	}
	return parts
}

func TestSeenWithAddsTheViewersPartOnly(t *testing.T) {
	a, _ := newAssembler()
	page := sharedPage()
	before := []*douyin.Video{proto.Clone(page[0]).(*douyin.Video), proto.Clone(page[1]).(*douyin.Video)}

	seen := a.SeenBy(context.Background(), page, partsOf(t, a, context.Background(), []int64{7}, page)[0])
	// Every other field is the page's: the copies miss none.
	want := []*douyin.Video{proto.Clone(page[0]).(*douyin.Video), proto.Clone(page[1]).(*douyin.Video)}
	for _, v := range want {
		v.FavoriteCount, v.IsFavorite = 2*v.Id, v.Id%2 == 0
		u := v.Author
		u.FollowCount, u.FollowerCount, u.IsFollow = 10*u.Id, 100*u.Id, u.Id%2 == 0
	}
	if len(seen) != 2 || !proto.Equal(seen[0], want[0]) || !proto.Equal(seen[1], want[1]) {
		t.Fatalf("seen by 7:\n%v\n%v\nwant\n%v\n%v", seen[0], seen[1], want[0], want[1])
	}
	for i := range page {
		if !proto.Equal(page[i], before[i]) {
			t.Fatalf("the shared page changed: video %d is %v, was %v", i, page[i], before[i])
		}
	}
	if anon := a.SeenBy(context.Background(), page, assemble.ViewerPart{}); &anon[0] != &page[0] {
		t.Fatal("seen by anyone: a copy; want the page itself")
	}
}

// The viewers' parts ride on the page's own calls: one query more per viewer, not one call more.
func TestTheViewersPartsAreReadInThePagesOwnCalls(t *testing.T) {
	a, b := newAssembler()
	page := sharedPage()
	parts := partsOf(t, a, context.Background(), []int64{7, 8}, page)
	for _, call := range []string{"favorite.Stats", "relation.UserStats"} {
		if sent, asked := b.Sent(call), b.Calls(call); sent != 1 || asked != 3 {
			t.Fatalf("%s: %d calls of %d queries; want 1 of 3: the page's and the two viewers'", call, sent, asked)
		}
	}
	for i, viewer := range []int64{7, 8} {
		if seen := a.SeenBy(context.Background(), page, parts[i]); !seen[0].IsFavorite || seen[1].IsFavorite || !seen[0].Author.IsFollow {
			t.Fatalf("seen by %d = %v; want its part", viewer, seen)
		}
	}
}

func TestSeenWithKeepsThePageWhenADecorationFailsAndReportsIt(t *testing.T) {
	a, b := newAssembler()
	b.Fail("favorite.Stats", errors.New("favorite is down"))
	page := sharedPage()

	ctx, report := degrade.Start(context.Background())
	seen := a.SeenBy(ctx, page, partsOf(t, a, context.Background(), []int64{7}, page)[0])
	// The likes are not known: the page's counts, no flag. The follows are.
	if v := seen[0]; v.FavoriteCount != page[0].FavoriteCount || v.IsFavorite || !v.Author.IsFollow || v.Author.FollowerCount != 200 {
		t.Fatalf("video 4 seen by 7 without its likes = %v", v)
	}
	if names, _ := report.Parts(); names != "favorite.Stats" {
		t.Fatalf("the viewer's request reports %q; want favorite.Stats", names)
	}
}

func TestViewerPartBeyondOneBatch(t *testing.T) {
	a, b := newAssembler()
	var page []*douyin.Video
	for id := int64(1); id <= 600; id++ { // more than idbatch.Max videos and authors
		page = append(page, &douyin.Video{Id: id, Author: &douyin.User{Id: id}})
	}
	seen := a.SeenBy(context.Background(), page, partsOf(t, a, context.Background(), []int64{7}, page)[0])
	for _, v := range seen {
		if v.IsFavorite != (v.Id%2 == 0) || v.FavoriteCount != 2*v.Id || v.Author.IsFollow != (v.Author.Id%2 == 0) {
			t.Fatalf("video %d seen by 7 = %v; want the viewer's part of every batch", v.Id, v)
		}
	}
	if n := b.Sent("favorite.Stats") + b.Sent("relation.UserStats"); n != 4 {
		t.Fatalf("%d calls (%v); want 4: two batches of two", n, b.CallCounts())
	}
}

func TestAnEmptyPageHasEmptyParts(t *testing.T) {
	a, _ := newAssembler()
	videos, parts, err := a.ForAnyoneWith(context.Background(), assemble.Rows(nil, nil), []int64{7, 8})
	if err != nil || len(videos) != 0 || len(parts) != 2 {
		t.Fatalf("an empty page = %v, %d parts, %v; want no videos and two parts", videos, len(parts), err)
	}
	if seen := a.SeenBy(context.Background(), videos, parts[1]); len(seen) != 0 {
		t.Fatalf("an empty page seen by 8 = %v", seen)
	}
}
