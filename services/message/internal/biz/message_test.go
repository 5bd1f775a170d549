package biz

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
)

// memRepo is an in-memory Repo for the rules' unit tests, with the repository's lock: sendTime
// runs under the mutex, given the pair's latest time.
type memRepo struct {
	mu   sync.Mutex
	msgs []*Message
}

func (m *memRepo) Create(_ context.Context, msg *Message, repeatSince time.Time, sendTime func(latestMs int64) int64) (*Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range m.msgs {
		if msg.RequestKey != "" && o.FromUserID == msg.FromUserID && o.RequestKey == msg.RequestKey {
			cp := *o
			return &cp, nil
		}
	}
	// The oldest identical message since repeatSince (m.msgs is in the order stored).
	for _, o := range m.msgs {
		if msg.RequestKey == "" && !repeatSince.IsZero() && o.FromUserID == msg.FromUserID && o.ToUserID == msg.ToUserID &&
			o.Content == msg.Content && o.CreateTimeMs >= repeatSince.UnixMilli() {
			cp := *o
			return &cp, nil
		}
	}
	latest := int64(0)
	for _, o := range m.msgs {
		if between(o, msg.FromUserID, msg.ToUserID) {
			latest = max(latest, o.CreateTimeMs)
		}
	}
	msg.ID, msg.CreateTimeMs = int64(len(m.msgs)+1), sendTime(latest)
	cp := *msg
	m.msgs = append(m.msgs, &cp)
	return msg, nil
}

func between(msg *Message, a, b int64) bool {
	return msg.FromUserID == a && msg.ToUserID == b || msg.FromUserID == b && msg.ToUserID == a
}

func (m *memRepo) Chat(_ context.Context, user, peer, afterMs int64, limit int) ([]*Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Message
	for _, msg := range m.msgs {
		if between(msg, user, peer) && msg.CreateTimeMs > afterMs && len(out) < limit {
			out = append(out, msg)
		}
	}
	return out, nil
}

func (m *memRepo) LatestOf(_ context.Context, queries []LatestQuery) ([]map[int64]*Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	answers := make([]map[int64]*Message, len(queries))
	for i, q := range queries {
		out := map[int64]*Message{}
		for _, msg := range m.msgs {
			for _, p := range q.Peers {
				if between(msg, q.User, p) {
					out[p] = msg
				}
			}
		}
		answers[i] = out
	}
	return answers, nil
}

// knownUsers exists for ids 1..99.
type knownUsers struct{}

func (knownUsers) Exists(_ context.Context, id int64) (bool, error) { return id < 100, nil }

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(ms int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = time.UnixMilli(ms)
}

func newMessages() (*Messages, *memRepo) {
	m, repo, _ := newMessagesAt(1000)
	return m, repo
}

func newMessagesAt(ms int64) (*Messages, *memRepo, *clock) {
	repo, c := &memRepo{}, &clock{t: time.UnixMilli(ms)}
	return NewMessages(repo, knownUsers{}, c.now), repo, c
}

func TestSendRefusals(t *testing.T) {
	m, repo := newMessages()
	cases := []struct {
		name     string
		from, to int64
		content  string
		want     error
	}{
		{"to yourself", 1, 1, "hi", errno.MessageSelf},
		{"to nobody", 1, 100, "hi", errno.UserNotFound},
		{"no sender", 0, 2, "hi", errno.BadRequest},
		{"negative receiver", 1, -2, "hi", errno.BadRequest},
		{"empty", 1, 2, "", errno.MessageInvalidContent},
		{"blank", 1, 2, " \t\n ", errno.MessageInvalidContent},
		{"501 characters", 1, 2, strings.Repeat("字", MaxContentLen+1), errno.MessageInvalidContent},
		{"invalid UTF-8", 1, 2, "a\xffb", errno.MessageInvalidContent},
		{"NUL", 1, 2, "a\x00b", errno.MessageInvalidContent},
		{"escape sequence", 1, 2, "\x1b]0;title\x07", errno.MessageInvalidContent},
		{"C1 control", 1, 2, "a\u0085b", errno.MessageInvalidContent},
		{"left-to-right override", 1, 2, "a\u202Db", errno.MessageInvalidContent},
		{"pop directional isolate", 1, 2, "a\u2069b", errno.MessageInvalidContent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := m.Send(context.Background(), c.from, c.to, c.content, ""); !errors.Is(err, c.want) {
				t.Fatalf("Send(%d, %d, %q) = %v; want %v", c.from, c.to, c.content, err, c.want)
			}
		})
	}
	if len(repo.msgs) != 0 {
		t.Fatalf("a refused message was stored: %+v", repo.msgs)
	}
}

// A multi-line message, emoji joined by zero-width joiners and right-to-left text with its marks
// stay valid; a refusal says what is wrong.
func TestSendAcceptsTextAndNamesWhatItRefuses(t *testing.T) {
	m, _ := newMessages()
	for _, content := range []string{"line one\nline two\n\tindented", "👨\u200d👩\u200d👧", "שלום \u200f(1)"} {
		if got, err := m.Send(context.Background(), 1, 2, content, ""); err != nil || got.Content != content {
			t.Fatalf("Send(%q) = %+v, %v", content, got, err)
		}
	}
	_, err := m.Send(context.Background(), 1, 2, "hi\u202Eereht", "")
	if e, ok := errno.From(err); !ok || e.Code != errno.MessageInvalidContent.Code ||
		e.Msg != "content holds the bidirectional control character U+202E" {
		t.Fatalf("Send with an override = %v; want 16003 naming U+202E", err)
	}
}

func TestSendAcceptsTheLimit(t *testing.T) {
	m, _ := newMessages()
	// 500 four-byte characters: the limit is in characters, not bytes.
	long := strings.Repeat("😀", MaxContentLen)
	got, err := m.Send(context.Background(), 1, 2, long, "")
	if err != nil || got.Content != long || got.FromUserID != 1 || got.ToUserID != 2 {
		t.Fatalf("Send at the limit = %+v, %v", got, err)
	}
}

func TestChatRules(t *testing.T) {
	m, _ := newMessages()
	ctx := context.Background()
	for _, s := range []struct {
		from, to int64
		text     string
	}{{1, 2, "a"}, {2, 1, "b"}, {1, 3, "other pair"}, {1, 2, "c"}} {
		if _, err := m.Send(ctx, s.from, s.to, s.text, ""); err != nil {
			t.Fatal(err)
		}
	}
	all, err := m.Chat(ctx, 2, 1, 0)
	if err != nil || len(all) != 3 || all[0].Content != "a" || all[1].Content != "b" || all[2].Content != "c" {
		t.Fatalf("Chat = %+v, %v", all, err)
	}
	after, _ := m.Chat(ctx, 1, 2, all[1].CreateTimeMs)
	if len(after) != 1 || after[0].Content != "c" {
		t.Fatalf("Chat after %d = %+v", all[1].CreateTimeMs, after)
	}
	if _, err := m.Chat(ctx, 1, 1, 0); !errors.Is(err, errno.MessageSelf) {
		t.Fatalf("Chat with yourself = %v; want MessageSelf", err)
	}
	if _, err := m.Chat(ctx, 1, 2, -1); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("Chat with a negative time = %v; want BadRequest", err)
	}
}

func TestLatestSkipsSelfAndDuplicates(t *testing.T) {
	m, _ := newMessages()
	ctx := context.Background()
	if _, err := m.Send(ctx, 2, 1, "hello", ""); err != nil {
		t.Fatal(err)
	}
	latest, err := latestOf(ctx, m, 1, []int64{2, 2, 1, 0, 3})
	if err != nil || len(latest) != 1 || latest[2].Content != "hello" || latest[2].FromUserID != 2 {
		t.Fatalf("Latest = %+v, %v", latest, err)
	}
	if none, err := latestOf(ctx, m, 1, nil); err != nil || len(none) != 0 {
		t.Fatalf("Latest of no peers = %v, %v", none, err)
	}
	tooMany := make([]int64, idbatch.Max+1)
	for i := range tooMany {
		tooMany[i] = int64(i + 2)
	}
	if _, err := latestOf(ctx, m, 1, tooMany); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("Latest of %d peers = %v; want BadRequest", len(tooMany), err)
	}
}

// A batch answers each friend list as Latest alone would, and refuses a bad query whole.
func TestLatestAnswersEachQuery(t *testing.T) {
	m, _ := newMessages()
	ctx := context.Background()
	for _, s := range [][2]int64{{2, 1}, {3, 4}} {
		if _, err := m.Send(ctx, s[0], s[1], fmt.Sprintf("%d to %d", s[0], s[1]), ""); err != nil {
			t.Fatal(err)
		}
	}
	got, err := m.Latest(ctx, []LatestQuery{{User: 1, Peers: []int64{2, 3}}, {User: 4, Peers: []int64{4}}, {User: 4, Peers: []int64{3, 1}}})
	if err != nil || len(got) != 3 {
		t.Fatalf("Latest = %v, %v", got, err)
	}
	if len(got[0]) != 1 || got[0][2].Content != "2 to 1" || got[1] == nil || len(got[1]) != 0 || len(got[2]) != 1 || got[2][3].Content != "3 to 4" {
		t.Fatalf("Latest answers = %+v, %+v, %+v", got[0], got[1], got[2])
	}
	if _, err := m.Latest(ctx, []LatestQuery{{User: 1, Peers: []int64{2}}, {User: 0, Peers: []int64{1}}}); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("Latest with user 0 = %v; want BadRequest", err)
	}
	if _, err := m.Latest(ctx, nil); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("an empty batch = %v; want BadRequest", err)
	}
}

// A message is stamped now, and after the latest message of its own pair: several messages in one
// millisecond, or a clock set back, still give each pair strictly increasing times. Other pairs
// do not push a pair's times.
func TestSendTimesIncreaseWithinAPair(t *testing.T) {
	m, _, c := newMessagesAt(5_000)
	ctx := context.Background()
	var times []int64
	stamp := func(from, to int64) {
		// Each its own text: the same text again within RepeatWindow would be a repeat.
		got, err := m.Send(ctx, from, to, fmt.Sprint("x", len(times)), "")
		if err != nil {
			t.Fatal(err)
		}
		times = append(times, got.CreateTimeMs)
	}
	stamp(1, 2)
	stamp(2, 1)
	stamp(1, 2)
	c.set(4_000) // the clock steps back
	stamp(2, 1)
	stamp(3, 4) // another pair starts at the clock
	c.set(9_000)
	stamp(1, 2)
	if fmt.Sprint(times) != "[5000 5001 5002 5003 4000 9000]" {
		t.Fatalf("times %v; want [5000 5001 5002 5003 4000 9000]", times)
	}
}

// A send repeated with its request key stores no second message and answers the first; the key
// reused for another message, or malformed, is refused.
func TestSendWithARequestKeyHappensOnce(t *testing.T) {
	m, repo := newMessages()
	ctx := context.Background()
	first, err := m.Send(ctx, 1, 2, "hello", "k-1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := m.Send(ctx, 1, 2, "hello", "k-1")
	if err != nil || again.ID != first.ID || len(repo.msgs) != 1 {
		t.Fatalf("the repeated send = %+v, %v with %d stored; want the first message, alone", again, err, len(repo.msgs))
	}
	if _, err := m.Send(ctx, 1, 3, "hello", "k-1"); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("the key reused for another peer = %v; want BadRequest", err)
	}
	if _, err := m.Send(ctx, 1, 2, "bye", "k-1"); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("the key reused for other text = %v; want BadRequest", err)
	}
	if other, err := m.Send(ctx, 2, 1, "hello", "k-1"); err != nil || other.ID == first.ID {
		t.Fatalf("the peer's send with the same key = %+v, %v; want a message of its own", other, err)
	}
	if _, err := m.Send(ctx, 1, 2, "hello", "k 1"); !errors.Is(err, errno.BadRequest) {
		t.Fatalf("a malformed key = %v; want BadRequest", err)
	}
}

// A send without a request key that repeats its sender's text to the same receiver within
// RepeatWindow (by the service's clock) answers the first message and stores nothing; past the
// window, or with another text, receiver or sender, it is a new message. With a key, the key
// alone decides.
func TestKeylessRepeatWithinTheWindowAnswersTheFirst(t *testing.T) {
	ctx := context.Background()
	const start = 1_000_000
	window := RepeatWindow.Milliseconds()
	type send struct {
		afterMs   int64 // since the first send
		from, to  int64
		text, key string
	}
	cases := []struct {
		name      string
		then      send
		wantFirst bool
	}{
		{"at once", send{0, 1, 2, "hello", ""}, true},
		{"within the window", send{9_000, 1, 2, "hello", ""}, true},
		{"at the end of the window", send{window, 1, 2, "hello", ""}, true},
		{"after the window", send{window + 1, 1, 2, "hello", ""}, false},
		{"other text", send{1_000, 1, 2, "hello!", ""}, false},
		{"other case", send{1_000, 1, 2, "Hello", ""}, false},
		{"another receiver", send{1_000, 1, 3, "hello", ""}, false},
		{"the other way", send{1_000, 2, 1, "hello", ""}, false},
		{"with a key", send{1_000, 1, 2, "hello", "k-1"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, repo, clock := newMessagesAt(start)
			a, err := m.Send(ctx, 1, 2, "hello", "")
			if err != nil {
				t.Fatal(err)
			}
			clock.set(start + c.then.afterMs)
			b, err := m.Send(ctx, c.then.from, c.then.to, c.then.text, c.then.key)
			if err != nil {
				t.Fatalf("the second send = %v", err)
			}
			if c.wantFirst {
				first := *a
				first.Fresh = false // the first send stored it, the repeat did not
				if !a.Fresh || *b != first || len(repo.msgs) != 1 {
					t.Fatalf("the repeat = %+v with %d stored; want the first message %+v, alone", b, len(repo.msgs), a)
				}
				return
			}
			if b.ID == a.ID || b.Content != c.then.text || b.FromUserID != c.then.from || b.ToUserID != c.then.to || len(repo.msgs) != 2 {
				t.Fatalf("the second send = %+v with %d stored; want a new message", b, len(repo.msgs))
			}
		})
	}
}

// Keyed sends are unchanged by the window: the same text sent at once with two keys stores two
// messages, and a key repeated long after the window still answers its message.
func TestKeyedSendsIgnoreTheWindow(t *testing.T) {
	ctx := context.Background()
	m, repo, clock := newMessagesAt(1_000_000)
	a, err := m.Send(ctx, 1, 2, "hello", "k-1")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := m.Send(ctx, 1, 2, "hello", "k-2"); err != nil || b.ID == a.ID {
		t.Fatalf("the same text with another key = %+v, %v; want a message of its own", b, err)
	}
	clock.set(1_000_000 + time.Hour.Milliseconds())
	if again, err := m.Send(ctx, 1, 2, "hello", "k-1"); err != nil || again.ID != a.ID || len(repo.msgs) != 2 {
		t.Fatalf("the key repeated an hour later = %+v, %v with %d stored; want message %d", again, err, len(repo.msgs), a.ID)
	}
}

// latestOf is one friend list's latest messages, asked as a batch of one.
func latestOf(ctx context.Context, m *Messages, user int64, peers []int64) (map[int64]*Message, error) {
	answers, err := m.Latest(ctx, []LatestQuery{{User: user, Peers: peers}})
	if err != nil {
		return nil, err
	}
	return answers[0], nil
}
