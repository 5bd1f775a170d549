//go:build integration

package outbox

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/opentracing/opentracing-go"

	"simpletiktok/pkg/mediajob"
	"simpletiktok/pkg/queue/natstest"
)

func startNATS(t *testing.T) (*natstest.Server, jetstream.JetStream) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	srv := natstest.Start(t, root)
	nc, err := nats.Connect(srv.URL, nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return srv, js
}

func streamMsgs(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), mediajob.Stream)
	if err != nil {
		return 0
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// The relay creates the streams itself on a fresh server, and the server keeps one copy of a
// message sent twice (a relay that died between the ack and marking the row sent).
func TestJetStreamKeepsOneCopyOfAMessage(t *testing.T) {
	_, js := startNATS(t)
	pub := NewJetStream(js, mediajob.EnsureStreams)
	e := entry(7)
	for range 2 {
		msg := nats.NewMsg(mediajob.Subject)
		msg.Data = mediajob.Job{VideoID: 7, PlayKey: "k.mp4"}.Encode()
		if err := pub.Publish(context.Background(), msg, MsgID(e)); err != nil {
			t.Fatal(err)
		}
	}
	if n := streamMsgs(t, js); n != 1 {
		t.Fatalf("the stream holds %d messages; want 1", n)
	}
}

// With the server down the relay keeps every message and keeps trying; once the server is back
// each message is in the stream exactly once and every row is marked sent.
func TestRelayDeliversOnceTheServerReturns(t *testing.T) {
	srv, js := startNATS(t)
	store := newMemStore(entry(1))
	cfg := fastConfig()
	cfg.PublishTimeout = 300 * time.Millisecond
	cfg.MaxBackoff = 200 * time.Millisecond
	pub := &countingPublisher{inner: NewJetStream(js, mediajob.EnsureStreams)}
	r := NewRelay(store, pub, opentracing.NoopTracer{}, slog.New(slog.DiscardHandler), cfg)
	start(t, r)
	eventually(t, "the first message sent", func() bool { return store.sentCount() == 1 })

	srv.Stop()
	store.add(entry(2))
	store.add(entry(3))
	r.Notify()
	eventually(t, "two failed attempts with the server down", func() bool { return pub.failures() >= 2 })
	if n := store.sentCount(); n != 1 {
		t.Fatalf("%d messages marked sent with the server down; want still 1", n)
	}
	srv.Restart()
	eventually(t, "the messages written during the outage sent", func() bool { return store.sentCount() == 3 })
	if n := streamMsgs(t, js); n != 3 {
		t.Fatalf("the stream holds %d messages; want each of the 3 once", n)
	}
}

// countingPublisher counts the failed publishes of the publisher it wraps.
type countingPublisher struct {
	inner  Publisher
	mu     sync.Mutex
	failed int
}

func (c *countingPublisher) Publish(ctx context.Context, msg *nats.Msg, id string) error {
	err := c.inner.Publish(ctx, msg, id)
	if err != nil {
		c.mu.Lock()
		c.failed++
		c.mu.Unlock()
	}
	return err
}

func (c *countingPublisher) failures() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failed
}
