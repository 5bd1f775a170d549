package outbox

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"

	"simpletiktok/pkg/queue"
)

// memStore is an outbox in memory.
type memStore struct {
	mu      sync.Mutex
	entries []Entry
	sent    map[int64]time.Time
	pruned  int
}

func newMemStore(entries ...Entry) *memStore {
	return &memStore{entries: entries, sent: map[int64]time.Time{}}
}

func (s *memStore) add(e Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = append(s.entries, e)
}

func (s *memStore) Pending(_ context.Context, limit int) ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Entry
	for _, e := range s.entries {
		if _, ok := s.sent[e.ID]; !ok && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *memStore) MarkSent(_ context.Context, id int64, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent[id] = at
	return nil
}

func (s *memStore) Backlog(ctx context.Context) (int64, error) {
	p, _ := s.Pending(ctx, 1<<30)
	return int64(len(p)), nil
}

func (s *memStore) Prune(context.Context, time.Time, int) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruned++
	return 0, nil
}

func (s *memStore) sentCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}

// memQueue keeps what is published, by message id (as JetStream's de-duplication does), and
// fails every publish while down.
type memQueue struct {
	mu       sync.Mutex
	down     bool
	attempts int
	byID     map[string]*nats.Msg
	order    []string
}

func newMemQueue() *memQueue { return &memQueue{byID: map[string]*nats.Msg{}} }

func (q *memQueue) Publish(_ context.Context, msg *nats.Msg, id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.attempts++
	if q.down {
		return errors.New("nats: timeout")
	}
	if _, dup := q.byID[id]; !dup {
		q.byID[id] = msg
		q.order = append(q.order, id)
	}
	return nil
}

func (q *memQueue) setDown(down bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.down = down
}

func (q *memQueue) published() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.order...)
}

func (q *memQueue) attemptCount() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.attempts
}

func fastConfig() Config {
	return Config{Batch: 2, Poll: time.Hour, PublishTimeout: time.Second,
		MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond, KeepSent: time.Hour, PruneEvery: time.Hour}
}

// eventually polls cond for up to 10 s: the relay runs in its own goroutine.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen", what)
		}
	}
}

func start(t *testing.T, r *Relay) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func entry(id int64) Entry {
	return Entry{ID: id, Subject: "video.uploaded", Payload: []byte{byte(id)}, CreatedAt: time.Now()}
}

// The pending messages go out in order, more than a batch of them, each once, and are marked sent.
func TestRelaySendsThePendingMessagesInOrder(t *testing.T) {
	store, q := newMemStore(entry(1), entry(2), entry(3), entry(4), entry(5)), newMemQueue()
	start(t, NewRelay(store, q, opentracing.NoopTracer{}, slog.New(slog.DiscardHandler), fastConfig()))
	eventually(t, "five messages sent", func() bool { return store.sentCount() == 5 })
	want := []string{"video.uploaded-1", "video.uploaded-2", "video.uploaded-3", "video.uploaded-4", "video.uploaded-5"}
	got := q.published()
	if len(got) != len(want) {
		t.Fatalf("published %v; want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("published %v; want %v", got, want)
		}
	}
}

// A message written while the relay waits goes out when the writer wakes it, not at the next poll
// (an hour away here).
func TestNotifyWakesTheRelay(t *testing.T) {
	store, q := newMemStore(), newMemQueue()
	r := NewRelay(store, q, opentracing.NoopTracer{}, slog.New(slog.DiscardHandler), fastConfig())
	start(t, r)
	eventually(t, "the first prune (the relay is idle)", func() bool {
		store.mu.Lock()
		defer store.mu.Unlock()
		return store.pruned == 1
	})
	store.add(entry(9))
	r.Notify()
	r.Notify() // a second wake-up while one is pending does not block
	eventually(t, "the woken relay sends", func() bool { return store.sentCount() == 1 })
}

// While the queue is away nothing is marked sent and the relay keeps trying; once it is back,
// every message is delivered exactly once, the ones written during the outage included.
func TestRelayOutlastsAnOutage(t *testing.T) {
	store, q := newMemStore(entry(1)), newMemQueue()
	q.setDown(true)
	r := NewRelay(store, q, opentracing.NoopTracer{}, slog.New(slog.DiscardHandler), fastConfig())
	start(t, r)
	eventually(t, "several failed attempts", func() bool { return q.attemptCount() >= 5 })
	store.add(entry(2))
	r.Notify()
	if n := store.sentCount(); n != 0 {
		t.Fatalf("%d messages marked sent while the queue was down", n)
	}
	q.setDown(false)
	eventually(t, "both messages sent", func() bool { return store.sentCount() == 2 })
	if got := q.published(); len(got) != 2 || got[0] != "video.uploaded-1" || got[1] != "video.uploaded-2" {
		t.Fatalf("published %v; want each message once, in order", got)
	}
}

func TestBackoffDoublesUpToTheLimit(t *testing.T) {
	retry, seen := DefaultConfig().retry(), []time.Duration{}
	for range 8 {
		seen = append(seen, retry.Next())
	}
	want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond,
		3200 * time.Millisecond, 6400 * time.Millisecond, 10 * time.Second, 10 * time.Second}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("backoff %v; want %v", seen, want)
		}
	}
}

// The publish span continues the trace stored with the message, and the message carries the
// publish span's context for the consumer.
func TestRelayContinuesTheStoredTrace(t *testing.T) {
	tracer := mocktracer.New()
	request := tracer.StartSpan("video::Publish")
	carrier := opentracing.TextMapCarrier{}
	if err := tracer.Inject(request.Context(), opentracing.TextMap, carrier); err != nil {
		t.Fatal(err)
	}
	request.Finish()
	e := entry(1)
	e.Trace = carrier
	store, q := newMemStore(e), newMemQueue()
	start(t, NewRelay(store, q, tracer, slog.New(slog.DiscardHandler), fastConfig()))
	eventually(t, "the message sent", func() bool { return store.sentCount() == 1 })

	var publish *mocktracer.MockSpan
	for _, s := range tracer.FinishedSpans() {
		if s.OperationName == "queue:publish video.uploaded" {
			publish = s
		}
	}
	reqCtx := request.Context().(mocktracer.MockSpanContext)
	if publish == nil || publish.ParentID != reqCtx.SpanID || publish.SpanContext.TraceID != reqCtx.TraceID {
		t.Fatalf("spans %v; want the publish span under the request's", tracer.FinishedSpans())
	}
	q.mu.Lock()
	msg := q.byID["video.uploaded-1"]
	q.mu.Unlock()
	carried, err := queue.ExtractTrace(tracer, msg.Header)
	if err != nil || carried.(mocktracer.MockSpanContext).SpanID != publish.SpanContext.SpanID {
		t.Fatalf("the message carries %v, %v; want the publish span's context", carried, err)
	}
}
