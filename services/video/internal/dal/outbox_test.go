//go:build integration

package dal

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"

	"simpletiktok/pkg/errno"
	"simpletiktok/services/video/internal/biz"
)

// A video and its job are written together or not at all; the job keeps the trace of the request
// that wrote it, and leaves the outbox's pending list once marked sent.
func TestCreateWritesTheJobWithTheRow(t *testing.T) {
	repo, gdb := newRepo(t)
	box := NewOutbox(gdb)
	tracer := mocktracer.New()
	span := tracer.StartSpan("video::Publish")
	ctx := opentracing.ContextWithSpan(context.Background(), span)

	v := &biz.Video{AuthorID: 3, Title: "t", PlayKey: key()}
	var jobOf *biz.Video
	job := func(created *biz.Video) biz.Message {
		jobOf = created
		return biz.Message{Subject: "video.uploaded", Payload: []byte(`{"video_id":1}`)}
	}
	if err := repo.Create(ctx, v, at(5000), job); err != nil {
		t.Fatal(err)
	}
	if jobOf == nil || jobOf.ID != v.ID || jobOf.PlayKey != v.PlayKey {
		t.Fatalf("job made of %+v; want the stored video %+v", jobOf, v)
	}
	// The same play key again: no row, and no job either.
	if err := repo.Create(ctx, &biz.Video{AuthorID: 3, Title: "t", PlayKey: v.PlayKey}, at(6000), job); !errors.Is(err, errno.VideoAlreadyPublished) {
		t.Fatalf("second Create = %v", err)
	}
	pending, err := box.Pending(ctx, 10)
	if err != nil || len(pending) != 1 {
		t.Fatalf("Pending = %v, %v; want the one job", pending, err)
	}
	e := pending[0]
	if e.Subject != "video.uploaded" || string(e.Payload) != `{"video_id":1}` || e.CreatedAt.IsZero() {
		t.Fatalf("entry = %+v", e)
	}
	parent, err := tracer.Extract(opentracing.TextMap, opentracing.TextMapCarrier(e.Trace))
	if err != nil || parent.(mocktracer.MockSpanContext).SpanID != span.Context().(mocktracer.MockSpanContext).SpanID {
		t.Fatalf("stored trace %v gives %v, %v; want the request's span", e.Trace, parent, err)
	}
	if n, err := box.Backlog(ctx); err != nil || n != 1 {
		t.Fatalf("Backlog = %d, %v; want 1", n, err)
	}

	sentAt := time.Now()
	if err := box.MarkSent(ctx, e.ID, sentAt); err != nil {
		t.Fatal(err)
	}
	if pending, _ := box.Pending(ctx, 10); len(pending) != 0 {
		t.Fatalf("Pending after MarkSent = %v", pending)
	}
	if n, _ := box.Backlog(ctx); n != 0 {
		t.Fatalf("Backlog after MarkSent = %d", n)
	}
	// Pruning keeps what was sent after the bound and deletes what was sent before it.
	if n, err := box.Prune(ctx, sentAt.Add(-time.Minute), 100); err != nil || n != 0 {
		t.Fatalf("Prune before the send = %d, %v", n, err)
	}
	if n, err := box.Prune(ctx, sentAt.Add(time.Minute), 100); err != nil || n != 1 {
		t.Fatalf("Prune after the send = %d, %v; want 1", n, err)
	}
}

// A job written outside any trace is stored without one, in the order written.
func TestPendingIsInWriteOrder(t *testing.T) {
	repo, gdb := newRepo(t)
	ctx := context.Background()
	var ids []int64
	for i := range 3 {
		v := &biz.Video{AuthorID: 1, Title: "t", PlayKey: key()}
		if err := repo.Create(ctx, v, at(int64(100+i)), noJob); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
	}
	pending, err := NewOutbox(gdb).Pending(ctx, 2)
	if err != nil || len(pending) != 2 {
		t.Fatalf("Pending(2) = %v, %v", pending, err)
	}
	if string(pending[0].Payload) != fmt.Sprint(ids[0]) || string(pending[1].Payload) != fmt.Sprint(ids[1]) ||
		pending[0].ID >= pending[1].ID || len(pending[0].Trace) != 0 {
		t.Fatalf("pending = %+v; want the jobs of videos %v in order, untraced", pending, ids[:2])
	}
}

func TestSetCoverIsIdempotent(t *testing.T) {
	repo, _ := newRepo(t)
	ctx := context.Background()
	v := &biz.Video{AuthorID: 2, Title: "t", PlayKey: key()}
	if err := repo.Create(ctx, v, at(100), noJob); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"c1.jpg", "c1.jpg", "c2.jpg"} {
		kept, err := repo.SetCover(ctx, v.ID, k)
		if err != nil || kept != "c1.jpg" {
			t.Fatalf("SetCover(%q) = %q, %v; want the first cover kept", k, kept, err)
		}
	}
	got, _ := repo.MGet(ctx, []int64{v.ID})
	if len(got) != 1 || got[0].CoverKey != "c1.jpg" {
		t.Fatalf("stored %+v", got)
	}
	if _, err := repo.SetCover(ctx, v.ID+1000, "x.jpg"); !errors.Is(err, errno.VideoNotFound) {
		t.Fatalf("SetCover of a missing video = %v; want VideoNotFound", err)
	}
}
