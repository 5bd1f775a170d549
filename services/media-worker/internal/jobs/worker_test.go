//go:build integration

package jobs

import (
	"context"
	"encoding/json"
	"errors"
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
	"simpletiktok/services/media-worker/internal/cover"
)

// fakeMaker runs jobs by video id: it fails a video's first failures[id] runs (permanently when
// permanent[id]), waits at gate if one is set, and counts runs and the most run at once.
type fakeMaker struct {
	mu        sync.Mutex
	failures  map[int64]int
	permanent map[int64]bool
	runs      map[int64]int
	done      map[int64]bool
	running   int
	most      int
	gate      chan struct{}
}

func newFakeMaker() *fakeMaker {
	return &fakeMaker{failures: map[int64]int{}, permanent: map[int64]bool{}, runs: map[int64]int{}, done: map[int64]bool{}}
}

func (m *fakeMaker) Make(ctx context.Context, job mediajob.Job) (cover.Outcome, error) {
	m.mu.Lock()
	m.runs[job.VideoID]++
	m.running++
	m.most = max(m.most, m.running)
	gate := m.gate
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.running--
		m.mu.Unlock()
	}()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failures[job.VideoID] > 0 {
		m.failures[job.VideoID]--
		err := errors.New("video service unavailable")
		if m.permanent[job.VideoID] {
			return "", cover.Permanent(errors.New("ffmpeg cannot read the file"))
		}
		return "", err
	}
	m.done[job.VideoID] = true
	return cover.Made, nil
}

func (m *fakeMaker) read(f func(*fakeMaker) bool) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return f(m)
}

// rig is a real NATS server with the media streams, and a way to run workers on it.
type rig struct {
	t   *testing.T
	srv *natstest.Server
	js  jetstream.JetStream
}

func newRig(t *testing.T) *rig {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	srv := natstest.Start(t, root)
	nc, err := nats.Connect(srv.URL, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := mediajob.EnsureStreams(context.Background(), js); err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, srv: srv, js: js}
}

func testConfig() Config {
	return Config{Concurrency: 2, Policy: Policy{MaxAttempts: 3, RetryMin: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond},
		AckWait: time.Second, FetchWait: 200 * time.Millisecond, DepthEvery: 100 * time.Millisecond, Grace: 5 * time.Second}
}

// run starts a worker with its own connection until the test ends.
func (r *rig) run(maker Maker, cfg Config) {
	r.t.Helper()
	nc, err := nats.Connect(r.srv.URL, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond), nats.RetryOnFailedConnect(true))
	if err != nil {
		r.t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		r.t.Fatal(err)
	}
	w, err := NewWorker(js, maker, opentracing.NoopTracer{}, slog.New(slog.DiscardHandler), NoMetrics{}, cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	r.t.Cleanup(func() { cancel(); <-done; nc.Close() })
}

func (r *rig) publish(ids ...int64) {
	r.t.Helper()
	for _, id := range ids {
		job := mediajob.Job{VideoID: id, PlayKey: "0123456789abcdef0123456789abcdef.mp4"}
		if _, err := r.js.Publish(context.Background(), mediajob.Subject, job.Encode()); err != nil {
			r.t.Fatal(err)
		}
	}
}

// queued is the number of jobs in the work queue: waiting or running.
func (r *rig) queued() uint64 {
	r.t.Helper()
	s, err := r.js.Stream(context.Background(), mediajob.Stream)
	if err != nil {
		r.t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return info.State.Msgs
}

// deadLetters reads every message of the dead-letter stream.
func (r *rig) deadLetters() []mediajob.DeadLetter {
	r.t.Helper()
	s, err := r.js.Stream(context.Background(), mediajob.DeadStream)
	if err != nil {
		r.t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	var out []mediajob.DeadLetter
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(context.Background(), seq)
		if err != nil {
			r.t.Fatal(err)
		}
		var d mediajob.DeadLetter
		if err := json.Unmarshal(m.Data, &d); err != nil {
			r.t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// eventually polls cond for up to 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within 20 s", what)
		}
	}
}

// Every job is processed once, never more than Concurrency at a time.
func TestEveryJobOnceAtMostConcurrencyAtATime(t *testing.T) {
	r := newRig(t)
	maker := newFakeMaker()
	maker.gate = make(chan struct{})
	r.publish(1, 2, 3, 4, 5, 6, 7, 8)
	r.run(maker, testConfig())
	eventually(t, "two jobs running at once", func() bool { return maker.read(func(m *fakeMaker) bool { return m.running == 2 }) })
	close(maker.gate)
	eventually(t, "all eight done", func() bool { return maker.read(func(m *fakeMaker) bool { return len(m.done) == 8 }) })
	eventually(t, "the queue empty", func() bool { return r.queued() == 0 })
	maker.read(func(m *fakeMaker) bool {
		if m.most != 2 {
			t.Errorf("at most %d jobs ran at once; want 2", m.most)
		}
		for id, n := range m.runs {
			if n != 1 {
				t.Errorf("video %d was processed %d times; want once", id, n)
			}
		}
		return true
	})
	if d := r.deadLetters(); len(d) != 0 {
		t.Fatalf("dead letters %v; want none", d)
	}
}

// A job that fails is retried and, once it succeeds, acknowledged: no dead letter.
func TestAFailedJobIsRetried(t *testing.T) {
	r := newRig(t)
	maker := newFakeMaker()
	maker.failures[1] = 2
	r.publish(1)
	r.run(maker, testConfig())
	eventually(t, "the job done", func() bool { return maker.read(func(m *fakeMaker) bool { return m.done[1] }) })
	eventually(t, "the queue empty", func() bool { return r.queued() == 0 })
	if runs := maker.read(func(m *fakeMaker) bool { return m.runs[1] == 3 }); !runs {
		t.Fatalf("runs = %v; want 3 (two failures, one success)", maker.runs)
	}
	if d := r.deadLetters(); len(d) != 0 {
		t.Fatalf("dead letters %v; want none", d)
	}
}

// A job that keeps failing is given up after MaxAttempts: it is filed on the dead-letter subject
// with its error and removed from the queue. A permanent failure is given up at once.
func TestFailingJobsEndInTheDeadLetters(t *testing.T) {
	r := newRig(t)
	maker := newFakeMaker()
	maker.failures[1] = 100
	maker.failures[2], maker.permanent[2] = 100, true
	r.publish(1, 2)
	r.run(maker, testConfig())
	eventually(t, "two dead letters", func() bool { return len(r.deadLetters()) == 2 })
	eventually(t, "the queue empty", func() bool { return r.queued() == 0 })
	byID := map[int64]mediajob.DeadLetter{}
	for _, d := range r.deadLetters() {
		byID[d.VideoID] = d
	}
	if d := byID[1]; d.Attempts != 3 || d.StreamSeq == 0 || d.Error == "" {
		t.Errorf("dead letter of the failing job = %+v; want 3 attempts and the error", d)
	}
	if d := byID[2]; d.Attempts != 1 {
		t.Errorf("dead letter of the permanent failure = %+v; want 1 attempt", d)
	}
	if !maker.read(func(m *fakeMaker) bool { return m.runs[1] == 3 && m.runs[2] == 1 }) {
		t.Fatalf("runs = %v; want 3 and 1", maker.runs)
	}
}

// takeWithoutAck receives the next job as a worker that dies at once would: no ack, no nak.
func (r *rig) takeWithoutAck() {
	r.t.Helper()
	cons, err := r.js.CreateOrUpdateConsumer(context.Background(), mediajob.Stream, (&Worker{cfg: testConfig()}).consumerConfig())
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second)); err != nil {
		r.t.Fatal(err)
	}
}

// A job whose worker died is delivered again once its ack wait runs out, and done by the next
// worker; a job whose every attempt took its worker down is given up without being run again.
func TestJobsOfDeadWorkers(t *testing.T) {
	r := newRig(t)
	r.publish(1)
	r.takeWithoutAck() // attempt 1 dies
	maker := newFakeMaker()
	r.run(maker, testConfig())
	eventually(t, "the job done by the next worker", func() bool { return maker.read(func(m *fakeMaker) bool { return m.done[1] }) })

	r2 := newRig(t)
	r2.publish(2)
	for range testConfig().Policy.MaxAttempts {
		r2.takeWithoutAck() // each attempt dies; the next comes after the ack wait
	}
	maker2 := newFakeMaker()
	r2.run(maker2, testConfig())
	eventually(t, "the job given up", func() bool { return len(r2.deadLetters()) == 1 })
	if d := r2.deadLetters()[0]; d.VideoID != 2 || d.Attempts != testConfig().Policy.MaxAttempts+1 {
		t.Fatalf("dead letter %+v; want video 2 on its attempt %d", d, testConfig().Policy.MaxAttempts+1)
	}
	if runs := maker2.read(func(m *fakeMaker) bool { return m.runs[2] == 0 }); !runs {
		t.Fatal("the worker ran a job that had killed every worker before")
	}
}

// The worker outlasts NATS: started while the server is down, it starts consuming once the
// server is up; after a restart of the server it goes on, and the jobs kept on disk are done.
func TestWorkerOutlastsNATS(t *testing.T) {
	r := newRig(t)
	r.publish(1)
	r.srv.Stop()
	maker := newFakeMaker()
	r.run(maker, testConfig())
	r.srv.Restart()
	eventually(t, "the job queued before the outage done", func() bool { return maker.read(func(m *fakeMaker) bool { return m.done[1] }) })
	r.srv.Stop()
	r.srv.Restart()
	r.publish(2)
	eventually(t, "the job queued after the restart done", func() bool { return maker.read(func(m *fakeMaker) bool { return m.done[2] }) })
}
