package coalesce_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/uber/jaeger-client-go"

	"simpletiktok/pkg/coalesce"
	"simpletiktok/pkg/coalesce/coalescetest"
)

// recorder is a merged call that answers each query with its double, records the queries of
// every call, and holds the first call until released, so that tests can queue queries behind it.
type recorder struct {
	mu      sync.Mutex
	calls   [][]int
	hold    chan struct{} // the first call waits for it to close
	entered chan struct{} // closed when the first call has begun
	fail    error
}

func newRecorder() *recorder {
	return &recorder{hold: make(chan struct{}), entered: make(chan struct{})}
}

func (r *recorder) call(_ context.Context, qs []int) ([]int, error) {
	r.mu.Lock()
	first := len(r.calls) == 0
	r.calls = append(r.calls, slices.Clone(qs))
	r.mu.Unlock()
	if first {
		close(r.entered)
		<-r.hold
	}
	if r.fail != nil {
		return nil, r.fail
	}
	out := make([]int, len(qs))
	for i, q := range qs {
		out[i] = 2 * q
	}
	return out, nil
}

func (r *recorder) recorded() [][]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// result is one Do's outcome.
type result struct {
	q, a int
	err  error
}

// doAll runs Do for each query in a goroutine of its own, in order (each queued before the next
// starts), and returns a function that waits for the results.
func doAll(t *testing.T, b *coalesce.Batcher[int, int], ctx context.Context, queued0 int, qs ...int) func() []result {
	t.Helper()
	out := make(chan result, len(qs))
	for i, q := range qs {
		go func() {
			a, err := b.Do(ctx, q)
			out <- result{q, a, err}
		}()
		coalescetest.Queued(t, b, queued0+i+1)
	}
	return func() []result {
		var rs []result
		for range qs {
			rs = append(rs, <-out)
		}
		return rs
	}
}

func TestAQueryWithAFreeLaneIsSentAlone(t *testing.T) {
	r := newRecorder()
	close(r.hold)
	b := coalesce.New("m", coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 8}}, nil, r.call)
	for q := 1; q <= 3; q++ {
		if a, err := b.Do(context.Background(), q); err != nil || a != 2*q {
			t.Fatalf("Do(%d) = %d, %v; want %d", q, a, err, 2*q)
		}
	}
	if got := r.recorded(); fmt.Sprint(got) != "[[1] [2] [3]]" {
		t.Fatalf("calls = %v; want each query alone", got)
	}
}

func TestQueriesMadeDuringACallGoTogetherInTheNextNeverInTheOneInFlight(t *testing.T) {
	r := newRecorder()
	var mu sync.Mutex
	var observed []string
	observe := func(method string, queries int) {
		mu.Lock()
		defer mu.Unlock()
		observed = append(observed, fmt.Sprint(method, queries))
	}
	b := coalesce.New("m", coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 8}, Observe: observe}, nil, r.call)
	first := make(chan result, 1)
	go func() {
		a, err := b.Do(context.Background(), 1)
		first <- result{1, a, err}
	}()
	<-r.entered
	wait := doAll(t, b, context.Background(), 0, 2, 3, 4)
	close(r.hold)
	if f := <-first; f.a != 2 || f.err != nil {
		t.Fatalf("the first query = %+v; want 2", f)
	}
	for _, res := range wait() {
		if res.err != nil || res.a != 2*res.q {
			t.Fatalf("Do(%d) = %d, %v; want %d", res.q, res.a, res.err, 2*res.q)
		}
	}
	if got := r.recorded(); fmt.Sprint(got) != "[[1] [2 3 4]]" {
		t.Fatalf("calls = %v; want [[1] [2 3 4]]: the queries made during the first call merged in the second", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(observed) != "[m1 m3]" {
		t.Fatalf("observed calls %v; want m with 1 query, then m with 3", observed)
	}
}

func TestMergedCallsKeepToTheLimits(t *testing.T) {
	r := newRecorder()
	weight := func(q int) int { return q }
	b := coalesce.New("m", coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 3, MaxWeight: 10}}, weight, r.call)
	go func() { _, _ = b.Do(context.Background(), 1) }()
	<-r.entered
	// By count: 2 2 2 | 2 ... ; by weight: 6 then 5 | 5 5 | 11 alone (heavier than the bound).
	wait := doAll(t, b, context.Background(), 0, 2, 2, 2, 2, 6, 5, 5, 11)
	close(r.hold)
	for _, res := range wait() {
		if res.err != nil || res.a != 2*res.q {
			t.Fatalf("Do(%d) = %d, %v", res.q, res.a, res.err)
		}
	}
	if got := r.recorded(); fmt.Sprint(got) != "[[1] [2 2 2] [2 6] [5 5] [11]]" {
		t.Fatalf("calls = %v; want [[1] [2 2 2] [2 6] [5 5] [11]]", got)
	}
	// The calls handed on one after the other free the lane when the queue is empty: the next
	// query goes alone.
	deadline := time.Now().Add(10 * time.Second)
	for b.Busy() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d lanes still busy with nothing queued", b.Busy())
		}
		time.Sleep(time.Millisecond)
	}
	if a, err := b.Do(context.Background(), 7); err != nil || a != 14 {
		t.Fatalf("Do(7) = %d, %v; want 14", a, err)
	}
	if got := r.recorded(); fmt.Sprint(got[len(got)-1]) != "[7]" {
		t.Fatalf("calls = %v; want the last query alone", got)
	}
}

func TestAFailedCallFailsEachOfItsQueries(t *testing.T) {
	r := newRecorder()
	r.fail = errors.New("service down")
	b := coalesce.New("m", coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 8}}, nil, r.call)
	go func() { _, _ = b.Do(context.Background(), 1) }()
	<-r.entered
	wait := doAll(t, b, context.Background(), 0, 2, 3)
	close(r.hold)
	for _, res := range wait() {
		if !errors.Is(res.err, r.fail) {
			t.Fatalf("Do(%d) = %v; want the call's error", res.q, res.err)
		}
	}
}

func TestAMisshapenOrPanickingCallIsAnErrorNotAnAnswer(t *testing.T) {
	short := coalesce.New("m", coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 8}}, nil, func(context.Context, []int) ([]int, error) {
		return nil, nil
	})
	if _, err := short.Do(context.Background(), 1); err == nil || !strings.Contains(err.Error(), "0 answers to 1 queries") {
		t.Fatalf("a call answering nothing = %v; want an error", err)
	}
	panicky := coalesce.New("m", coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 8}}, nil, func(context.Context, []int) ([]int, error) {
		panic("boom")
	})
	if _, err := panicky.Do(context.Background(), 1); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("a panicking call = %v; want an error", err)
	}
	// The lane was handed back: the next query is answered too.
	if _, err := panicky.Do(context.Background(), 2); err == nil {
		t.Fatal("the second query after a panic got no error")
	}
}

func TestACallerWhoStopsWaitingLeavesAtOnceAndIsNotSent(t *testing.T) {
	r := newRecorder()
	b := coalesce.New("m", coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 8}}, nil, r.call)
	go func() { _, _ = b.Do(context.Background(), 1) }()
	<-r.entered
	ctx, cancel := context.WithCancel(context.Background())
	gone := doAll(t, b, ctx, 0, 2)
	stays := doAll(t, b, context.Background(), 1, 3)
	cancel()
	if res := gone(); !errors.Is(res[0].err, context.Canceled) {
		t.Fatalf("the cancelled caller got %+v; want context.Canceled", res[0])
	}
	close(r.hold)
	if res := stays(); res[0].a != 6 || res[0].err != nil {
		t.Fatalf("the caller who stayed got %+v; want 6", res[0])
	}
	if got := r.recorded(); fmt.Sprint(got) != "[[1] [3]]" {
		t.Fatalf("calls = %v; want the cancelled query left out", got)
	}
}

func TestLanesBoundTheCallsInFlight(t *testing.T) {
	var mu sync.Mutex
	inFlight, most := 0, 0
	b := coalesce.New("m", coalesce.Config{Limits: coalesce.Limits{Lanes: 2, MaxQueries: 4}}, nil, func(_ context.Context, qs []int) ([]int, error) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		return qs, nil
	})
	var wg sync.WaitGroup
	for q := range 200 {
		wg.Go(func() {
			if a, err := b.Do(context.Background(), q); err != nil || a != q {
				t.Errorf("Do(%d) = %d, %v", q, a, err)
			}
		})
	}
	wg.Wait()
	if most > 2 {
		t.Fatalf("%d calls were in flight at once; want at most 2 lanes", most)
	}
	// A lane is handed back just after its last answer.
	for range 5000 {
		if b.Busy() == 0 && b.Waiting() == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("lanes stayed busy after the last answer")
}

func TestEachQueryHasASpanAndAMergedOneNamesTheTraceOfTheCall(t *testing.T) {
	reporter := jaeger.NewInMemoryReporter()
	tracer, closer := jaeger.NewTracer("gateway", jaeger.NewConstSampler(true), reporter)
	defer closer.Close()
	r := newRecorder()
	b := coalesce.New("favorite.Stats", coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 8}, Tracer: tracer}, nil, r.call)
	go func() { _, _ = b.Do(context.Background(), 1) }()
	<-r.entered
	pages := make([]opentracing.Span, 2)
	out := make(chan error, 2)
	for i := range pages {
		pages[i] = tracer.StartSpan("page")
		ctx := opentracing.ContextWithSpan(context.Background(), pages[i])
		go func() { _, err := b.Do(ctx, 2+i); out <- err }()
		coalescetest.Queued(t, b, i+1)
	}
	close(r.hold)
	for range pages {
		if err := <-out; err != nil {
			t.Fatal(err)
		}
	}
	first := pages[0].Context().(jaeger.SpanContext).TraceID().String()
	seen := map[string]bool{}
	for _, s := range reporter.GetSpans() {
		js := s.(*jaeger.Span)
		if js.OperationName() != "coalesce favorite.Stats" {
			continue
		}
		tags := js.Tags()
		trace := js.SpanContext().TraceID().String()
		seen[trace] = true
		if trace == pages[1].Context().(jaeger.SpanContext).TraceID().String() && tags["coalesce.call_trace_id"] != first {
			t.Fatalf("the second page's span names call trace %v; want the first page's %s", tags["coalesce.call_trace_id"], first)
		}
		if trace == first && (tags["coalesce.queries"] != 2 || tags["coalesce.call_trace_id"] != nil) {
			t.Fatalf("the first page's span has tags %v; want 2 queries and no other call trace", tags)
		}
	}
	for _, p := range pages {
		if id := p.Context().(jaeger.SpanContext).TraceID().String(); !seen[id] {
			t.Fatalf("no coalesce span in the trace of page %s", id)
		}
	}
}

// Queries asked together share one span, which does not name its own trace as another's.
func TestQueriesAskedTogetherHaveOneSpan(t *testing.T) {
	reporter := jaeger.NewInMemoryReporter()
	tracer, closer := jaeger.NewTracer("gateway", jaeger.NewConstSampler(true), reporter)
	defer closer.Close()
	r := newRecorder()
	close(r.hold)
	b := coalesce.New("favorite.Stats", coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 8}, Tracer: tracer}, nil, r.call)
	page := tracer.StartSpan("page")
	if _, errs := b.DoAll(opentracing.ContextWithSpan(context.Background(), page), []int{1, 2, 3}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	var spans []map[string]any
	for _, s := range reporter.GetSpans() {
		if js := s.(*jaeger.Span); js.OperationName() == "coalesce favorite.Stats" {
			spans = append(spans, js.Tags())
		}
	}
	if len(spans) != 1 || spans[0]["coalesce.queries"] != 3 || spans[0]["coalesce.call_trace_id"] != nil {
		t.Fatalf("spans of three queries asked together: %v; want one, of 3 queries, naming no other call trace", spans)
	}
}

func TestQueriesAskedTogetherGoInOneCall(t *testing.T) {
	r := newRecorder()
	close(r.hold)
	b := coalesce.New("m", coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 3}}, nil, r.call)
	answers, errs := b.DoAll(context.Background(), []int{1, 2, 3, 4, 5})
	if fmt.Sprint(answers, errs) != "[2 4 6 8 10] [<nil> <nil> <nil> <nil> <nil>]" {
		t.Fatalf("DoAll = %v, %v; want each query's double", answers, errs)
	}
	// A free lane takes them all at once, up to the most a call carries; Do for each at the
	// same moment would have sent the first alone.
	if got := r.recorded(); fmt.Sprint(got) != "[[1 2 3] [4 5]]" {
		t.Fatalf("calls = %v; want [[1 2 3] [4 5]]", got)
	}
}

func TestQueriesAskedTogetherDuringACallGoInTheNext(t *testing.T) {
	r := newRecorder()
	b := coalesce.New("m", coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 8}}, nil, r.call)
	first := make(chan error, 1)
	go func() {
		_, err := b.Do(context.Background(), 1)
		first <- err
	}()
	<-r.entered
	type all struct {
		answers []int
		errs    []error
	}
	together := make(chan all, 1)
	go func() {
		answers, errs := b.DoAll(context.Background(), []int{2, 3})
		together <- all{answers, errs}
	}()
	coalescetest.Queued(t, b, 2)
	wait := doAll(t, b, context.Background(), 2, 4)
	close(r.hold)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if got := <-together; fmt.Sprint(got.answers, got.errs) != "[4 6] [<nil> <nil>]" {
		t.Fatalf("DoAll = %v; want [4 6]", got)
	}
	if rs := wait(); rs[0].a != 8 || rs[0].err != nil {
		t.Fatalf("Do(4) = %+v", rs[0])
	}
	if got := r.recorded(); fmt.Sprint(got) != "[[1] [2 3 4]]" {
		t.Fatalf("calls = %v; want the queries asked during the first call in the next", got)
	}
}

func TestACallThatFailsFailsEveryQueryAskedTogether(t *testing.T) {
	r := newRecorder()
	close(r.hold)
	r.fail = errors.New("down")
	b := coalesce.New("m", coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 8}}, nil, r.call)
	_, errs := b.DoAll(context.Background(), []int{1, 2})
	if len(errs) != 2 || !errors.Is(errs[0], r.fail) || !errors.Is(errs[1], r.fail) {
		t.Fatalf("errs = %v; want the call's error for each query", errs)
	}
}

func TestQueriesAskedTogetherLeaveWithTheirContext(t *testing.T) {
	r := newRecorder()
	b := coalesce.New("m", coalesce.Config{Limits: coalesce.Limits{Lanes: 1, MaxQueries: 8}}, nil, r.call)
	go func() { _, _ = b.Do(context.Background(), 1) }()
	<-r.entered
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan []error, 1)
	go func() {
		_, errs := b.DoAll(ctx, []int{2, 3})
		done <- errs
	}()
	coalescetest.Queued(t, b, 2)
	stays := doAll(t, b, context.Background(), 2, 4)
	cancel()
	if errs := <-done; !errors.Is(errs[0], context.Canceled) || !errors.Is(errs[1], context.Canceled) {
		t.Fatalf("errs = %v; want context.Canceled for each", errs)
	}
	close(r.hold)
	if res := stays(); res[0].a != 8 || res[0].err != nil {
		t.Fatalf("the caller who stayed got %+v; want 8", res[0])
	}
	if got := r.recorded(); fmt.Sprint(got) != "[[1] [4]]" {
		t.Fatalf("calls = %v; want the queries whose caller left out", got)
	}
}
