// Package biz holds the message service's rules: who may write to whom, what a message may hold,
// and which messages a conversation shows.
package biz

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/idbatch"
)

const (
	// MaxContentLen is the longest message, in characters (not bytes): 500, the limit that
	// docs/errors.md gives for code 16003.
	MaxContentLen = 500
	// MaxChat is how many messages one chat answer holds at most, the oldest first. A client
	// reads on by sending the create_time of the last one as pre_msg_time; within a conversation
	// no two messages share a millisecond, so nothing is skipped.
	MaxChat = 1000
)

// Message is one chat message; CreateTimeMs is epoch milliseconds.
type Message struct {
	ID           int64
	FromUserID   int64
	ToUserID     int64
	Content      string
	CreateTimeMs int64
}

// Repo is the storage the rules need. Send stores a message and makes it the latest of its pair
// in one transaction, stamping it with a time later than every earlier message of that pair.
// Chat returns the pair's messages after afterMs, oldest first (by time, then id). Latest returns
// the latest message between user and each peer that has one.
type Repo interface {
	Send(ctx context.Context, from, to int64, content string) (*Message, error)
	Chat(ctx context.Context, user, peer, afterMs int64, limit int) ([]*Message, error)
	Latest(ctx context.Context, user int64, peers []int64) (map[int64]*Message, error)
}

// Users answers whether a user exists; the user service owns that fact.
type Users interface {
	Exists(ctx context.Context, id int64) (bool, error)
}

// Messages implements the chat rules.
type Messages struct {
	repo  Repo
	users Users
}

// NewMessages returns the rules over their storage and the user directory.
func NewMessages(repo Repo, users Users) *Messages {
	return &Messages{repo: repo, users: users}
}

// Send stores a message from one user to another existing user.
func (m *Messages) Send(ctx context.Context, from, to int64, content string) (*Message, error) {
	if err := pair(from, to); err != nil {
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
	return m.repo.Send(ctx, from, to, content)
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

// Latest returns the latest message between user and each of peers that has one.
func (m *Messages) Latest(ctx context.Context, user int64, peers []int64) (map[int64]*Message, error) {
	if user <= 0 {
		return nil, errno.BadRequest.WithMsg("user_id must be a positive integer")
	}
	ids, err := idbatch.Check(slices.DeleteFunc(slices.Clone(peers), func(p int64) bool { return p == user }), "peer")
	if err != nil || len(ids) == 0 {
		return map[int64]*Message{}, err
	}
	return m.repo.Latest(ctx, user, ids)
}

// ValidateContent accepts 1..MaxContentLen characters of valid UTF-8 that are not all white space.
func ValidateContent(s string) error {
	if !utf8.ValidString(s) || strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > MaxContentLen {
		return errno.MessageInvalidContent
	}
	return nil
}

func pair(user, peer int64) error {
	if user <= 0 || peer <= 0 {
		return errno.BadRequest.WithMsg("user ids must be positive integers")
	}
	if user == peer {
		return errno.MessageSelf
	}
	return nil
}
