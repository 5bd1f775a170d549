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

// listed is what the video service lists of a page: its videos' ids and authors.
func listed(page []*douyin.Video) []*video.Video {
	var out []*video.Video
	for _, v := range page {
		out = append(out, &video.Video{Id: v.Id, AuthorId: v.Author.Id})
	}
	return out
}

// seenBy reads viewer's part of page and adds it.
func seenBy(a *assemble.Assembler, viewer int64, page []*douyin.Video) ([]*douyin.Video, error) {
	part, err := a.ViewerPartOf(context.Background(), viewer, listed(page))
	if err != nil {
		return nil, err
	}
	return assemble.SeenWith(page, part), nil
}

func TestSeenWithAddsTheViewersPartOnly(t *testing.T) {
	a, b := newAssembler()
	page := sharedPage()
	before := []*douyin.Video{proto.Clone(page[0]).(*douyin.Video), proto.Clone(page[1]).(*douyin.Video)}

	seen, err := seenBy(a, 7, page)
	if err != nil {
		t.Fatal(err)
	}
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
	if n := b.Total(); n != 2 {
		t.Fatalf("%d calls (%v); want 2: the viewer's likes and follows", n, b.CallCounts())
	}
	if anon, err := seenBy(a, 0, page); err != nil || &anon[0] != &page[0] || b.Total() != 2 {
		t.Fatalf("seen by anyone: a call or a copy (%v, %d calls); want the page itself", err, b.Total())
	}
}

func TestSeenWithKeepsThePageWhenADecorationFails(t *testing.T) {
	a, b := newAssembler()
	b.Fail("favorite.Stats", errors.New("favorite is down"))
	page := sharedPage()

	seen, err := seenBy(a, 7, page)
	if err != nil {
		t.Fatal(err)
	}
	// The likes are not known: the page's counts, no flag. The follows are.
	if v := seen[0]; v.FavoriteCount != page[0].FavoriteCount || v.IsFavorite || !v.Author.IsFollow || v.Author.FollowerCount != 200 {
		t.Fatalf("video 4 seen by 7 without its likes = %v", v)
	}

}

func TestViewerPartBeyondOneBatch(t *testing.T) {
	a, b := newAssembler()
	var page []*douyin.Video
	for id := int64(1); id <= 600; id++ { // more than idbatch.Max videos and authors
		page = append(page, &douyin.Video{Id: id, Author: &douyin.User{Id: id}})
	}
	seen, err := seenBy(a, 7, page)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range seen {
		if v.IsFavorite != (v.Id%2 == 0) || v.FavoriteCount != 2*v.Id || v.Author.IsFollow != (v.Author.Id%2 == 0) {
			t.Fatalf("video %d seen by 7 = %v; want the viewer's part of every batch", v.Id, v)
		}
	}
	if n := b.Total(); n != 4 {
		t.Fatalf("%d calls (%v); want 4: two batches of two", n, b.CallCounts())
	}
}
