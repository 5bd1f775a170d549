package assemble

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cloudwego/kitex/client/callopt"

	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/message"
	"simpletiktok/pkg/kitex_gen/message/messageservice"
)

// fakeMessages knows a latest message with every even peer: sent by the viewer to peers divisible
// by 4, received from the others.
type fakeMessages struct {
	messageservice.Client
	n   *counter
	err error
}

func (f fakeMessages) LatestMessages(_ context.Context, req *message.LatestMessagesRequest, _ ...callopt.Option) (*message.LatestMessagesResponse, error) {
	f.n.add("message.LatestMessages")
	if f.err != nil {
		return nil, f.err
	}
	latest := map[int64]*message.Message{}
	for _, p := range req.PeerIds {
		switch {
		case p%4 == 0:
			latest[p] = &message.Message{Id: p, FromUserId: req.UserId, ToUserId: p, Content: fmt.Sprint("to ", p)}
		case p%2 == 0:
			latest[p] = &message.Message{Id: p, FromUserId: p, ToUserId: req.UserId, Content: fmt.Sprint("from ", p)}
		}
	}
	return &message.LatestMessagesResponse{Latest: latest}, nil
}

func newFriendsAssembler(msgErr error) (*Assembler, *counter) {
	a, n := newAssembler()
	a.c.Message = fakeMessages{n: n, err: msgErr}
	return a, n
}

func TestFriendsCallCountDoesNotDependOnLength(t *testing.T) {
	for _, size := range []int{1, 30, 200} {
		a, n := newFriendsAssembler(nil)
		ids := make([]int64, size)
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		friends, err := a.Friends(context.Background(), 7, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(friends) != size {
			t.Fatalf("size %d: got %d friends", size, len(friends))
		}
		if got := n.total(); got != 6 {
			t.Fatalf("size %d: %d calls (%v); want 6", size, got, n.calls)
		}
	}
}

func TestFriendFields(t *testing.T) {
	a, _ := newFriendsAssembler(nil)
	// 1000 does not exist and is left out; the order of ids is kept.
	friends, err := a.Friends(context.Background(), 7, []int64{4, 1000, 3, 2, 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(friends) != 3 || friends[0].Id != 4 || friends[1].Id != 3 || friends[2].Id != 2 {
		t.Fatalf("friends = %+v", friends)
	}
	sent, none, received := friends[0], friends[1], friends[2]
	if sent.Message != "to 4" || sent.MsgType != MsgSent {
		t.Fatalf("a message the viewer sent: %q, msgType %d", sent.Message, sent.MsgType)
	}
	if none.Message != "" || none.MsgType != MsgReceived {
		t.Fatalf("no message: %q, msgType %d", none.Message, none.MsgType)
	}
	if received.Message != "from 2" || received.MsgType != MsgReceived {
		t.Fatalf("a message the viewer received: %q, msgType %d", received.Message, received.MsgType)
	}
	// The User fields are flattened as the user assembly made them.
	u, err := a.User(context.Background(), 7, 2)
	if err != nil {
		t.Fatal(err)
	}
	if received.Name != u.Name || received.FollowCount != u.FollowCount || received.FollowerCount != u.FollowerCount ||
		received.IsFollow != u.IsFollow || received.Avatar != u.Avatar || received.BackgroundImage != u.BackgroundImage ||
		received.WorkCount != u.WorkCount || received.Signature != u.Signature {
		t.Fatalf("friend %+v does not carry user %+v", received, u)
	}
}

func TestFriendsFailWithTheMessageService(t *testing.T) {
	a, _ := newFriendsAssembler(errors.New("connection refused"))
	if _, err := a.Friends(context.Background(), 7, []int64{2}); !errors.Is(err, errno.ServiceUnavailable) {
		t.Fatalf("Friends with a broken message service = %v; want ServiceUnavailable", err)
	}
}

func TestNoFriends(t *testing.T) {
	a, n := newFriendsAssembler(nil)
	friends, err := a.Friends(context.Background(), 7, nil)
	if err != nil || friends == nil || len(friends) != 0 || n.total() != 0 {
		t.Fatalf("Friends of nobody = %v, %v after %d calls; want an empty list and no call", friends, err, n.total())
	}
}
