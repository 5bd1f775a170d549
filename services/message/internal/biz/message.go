// Package biz holds the message service's rules: who may write to whom, what a message may hold,
// and which messages a conversation shows.
package biz

import (
	"cmp"
	"context"
	"slices"
	"time"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/validate"
)

const (
	// MaxContentLen is the longest message, in characters (not bytes): 500, the limit that
	// docs/errors.md gives for code 16003.
	MaxContentLen = 500
	// MaxChat is how many messages one chat answer holds at most, the oldest first. A client
	// reads on by sending the create_time of the last one as pre_msg_time; within a conversation
	// no two messages share a millisecond, so nothing is skipped.
	MaxChat = 1000
	// RepeatWindow is how long after a message the same text, sent again by its sender to its
	// receiver without a request key, is taken for a repetition of that send: the phone sends no
	// key, and repeats a send whose outcome it did not learn (as the gateway may, once) within
	// seconds. A repetition answers the first message and stores nothing; the same text sent
	// later is a new message.
	RepeatWindow = 10 * time.Second
)

// Message is one chat message; CreateTimeMs is epoch milliseconds.
type Message struct {
	ID           int64
	FromUserID   int64
	ToUserID     int64
	Content      string
	CreateTimeMs int64
	// RequestKey is the client's idempotency key of the send ("" when none was sent): unique per
	// sender, so that a send repeated after an unknown outcome stores no second message.
	RequestKey string
	// Fresh says that the send which returned it stored it (false: a repetition, answered with
	// the message the first send stored). It is not stored.
	Fresh bool
}

// Repo is the storage the rules need.
type Repo interface {
	// Create stores m and makes it the latest message of its pair, in one transaction, and sets
	// m.ID and m.CreateTimeMs. It holds the pair's lock while it does: it calls sendTime with the
	// time of the pair's latest message (0 before the first) and stores m at the time that
	// returns, so the pair's messages commit one after the other in the order of their times.
	// It returns m; when m.RequestKey is set and m.FromUserID sent a message with that key
	// already, it stores nothing and returns that message instead. When m.RequestKey is "" and
	// repeatSince is not zero, and m.FromUserID sent m.ToUserID a message with exactly m.Content
	// at or after repeatSince, it stores nothing and returns that message (the oldest such)
	// instead; it looks under the pair's lock, so of identical sends racing, one stores and the
	// others find it.
	Create(ctx context.Context, m *Message, repeatSince time.Time, sendTime func(latestMs int64) int64) (*Message, error)
	// Chat returns the pair's messages after afterMs, oldest first (by time, then id).
	Chat(ctx context.Context, user, peer, afterMs int64, limit int) ([]*Message, error)
	// LatestOf answers each query: the latest message between its user and each of its peers
	// that has one, reading what all of them ask at once.
	LatestOf(ctx context.Context, queries []LatestQuery) ([]map[int64]*Message, error)
}

// LatestQuery asks for the latest message between User and each of Peers (a friend list's).
type LatestQuery struct {
	User  int64
	Peers []int64
}

// Users answers whether a user exists; the user service owns that fact.
type Users interface {
	Exists(ctx context.Context, id int64) (bool, error)
}

// Messages implements the chat rules.
type Messages struct {
	repo  Repo
	users Users
	now   func() time.Time
}

// NewMessages returns the rules over their storage and the user directory, reading the time from
// now (time.Now in production).
func NewMessages(repo Repo, users Users, now func() time.Time) *Messages {
	return &Messages{repo: repo, users: users, now: now}
}

// Send stores a message from one user to another existing user. A send with a request key that
// from used before is a repetition of that send (its client did not learn the outcome): it stores
// nothing and answers the message the key made; the same key with another peer or text is
// errno.BadRequest. A send without a key is a repetition when from sent to the same text within
// RepeatWindow: it stores nothing and answers that message.
func (m *Messages) Send(ctx context.Context, from, to int64, content, requestKey string) (*Message, error) {
	if err := cmp.Or(pair(from, to), validate.RequestKey(requestKey)); err != nil {
		return nil, err
	}
	if err := ValidateContent(content); err != nil {
		return nil, err
	}
	exists, err := m.users.Exists(ctx, to)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, errno.UserNotFound
	}
	msg := &Message{FromUserID: from, ToUserID: to, Content: content, RequestKey: requestKey}
	stored, err := m.repo.Create(ctx, msg, m.repeatSince(requestKey), m.sendTime)
	switch {
	case err != nil:
		return nil, err
	case stored != msg && (stored.ToUserID != to || stored.Content != content):
		return nil, errno.BadRequest.WithMsg("this idempotency key was used for another message: send a new key with a new message")
	}
	out := *stored // the store's own may be shared: Fresh is this call's
	out.Fresh = stored == msg
	return &out, nil
}

// repeatSince is the time from which an identical message makes a send now a repetition: the
// start of RepeatWindow (inclusive) for a send without a key, and none (zero) for a send with one,
// which its key alone tells from a new send, at any time.
func (m *Messages) repeatSince(requestKey string) time.Time {
	if requestKey != "" {
		return time.Time{}
	}
	return m.now().Add(-RepeatWindow)
}

// sendTime is the time of a message sent now, given the time of its pair's latest message: the
// current millisecond, and at least one millisecond after the latest, so that a client reading on
// with pre_msg_time = the last time it saw never skips a message committed later in that same
// millisecond. The repository asks under the pair's lock, so the clock is read in commit order.
func (m *Messages) sendTime(latestMs int64) int64 {
	return max(m.now().UnixMilli(), latestMs+1)
}

// Chat returns the conversation between user and peer, both directions, strictly after afterMs,
// oldest first. The caller is always user, so nobody reads a conversation they are not part of.
func (m *Messages) Chat(ctx context.Context, user, peer, afterMs int64) ([]*Message, error) {
	if err := pair(user, peer); err != nil {
		return nil, err
	}
	if afterMs < 0 {
		return nil, errno.BadRequest.WithMsg("pre_msg_time must be a non-negative integer (epoch milliseconds)")
	}
	return m.repo.Chat(ctx, user, peer, afterMs, MaxChat)
}

// Latest answers several friend lists (at most idbatch.MaxQueries), read together: answers[i] holds
// the latest message between queries[i]'s user and each of its peers that has one. An invalid
// query fails the whole batch.
func (m *Messages) Latest(ctx context.Context, queries []LatestQuery) ([]map[int64]*Message, error) {
	if err := idbatch.CheckQueries(len(queries)); err != nil {
		return nil, err
	}
	answers := make([]map[int64]*Message, len(queries))
	var asked []LatestQuery
	var of []int // asked[j] answers queries[of[j]]
	for i, q := range queries {
		if err := validate.ID("user_id", q.User); err != nil {
			return nil, err
		}
		ids, err := idbatch.Check(slices.DeleteFunc(slices.Clone(q.Peers), func(p int64) bool { return p == q.User }), "peer")
		if err != nil {
			return nil, err
		}
		answers[i] = map[int64]*Message{}
		if len(ids) > 0 {
			asked, of = append(asked, LatestQuery{User: q.User, Peers: ids}), append(of, i)
		}
	}
	if len(asked) == 0 {
		return answers, nil
	}
	found, err := m.repo.LatestOf(ctx, asked)
	if err != nil {
		return nil, err
	}
	for j, i := range of {
		answers[i] = found[j]
	}
	return answers, nil
}

// ValidateContent accepts what validate.Text accepts, up to MaxContentLen characters, and answers
// anything else with errno.MessageInvalidContent saying what is wrong.
func ValidateContent(s string) error {
	if err := validate.Text(s, MaxContentLen); err != nil {
		return errno.MessageInvalidContent.WithMsg("content %v", err)
	}
	return nil
}

func pair(user, peer int64) error {
	if err := cmp.Or(validate.ID("user_id", user), validate.ID("to_user_id", peer)); err != nil {
		return err
	}
	if user == peer {
		return errno.MessageSelf
	}
	return nil
}
