package assemble_test

import (
	"context"
	"errors"
	"testing"

	"simpletiktok/api-gateway/internal/assemble"
	"simpletiktok/api-gateway/internal/fakes"
)

func TestFriendsCallCountDoesNotDependOnLength(t *testing.T) {
	for _, size := range []int64{1, 30, 200} {
		a, b := newAssembler()
		friends, err := a.Friends(context.Background(), 7, ids(1, size), assemble.Known{})
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(friends)) != size {
			t.Fatalf("size %d: got %d friends", size, len(friends))
		}
		if got := b.Total(); got != 5 {
			t.Fatalf("size %d: %d calls (%v); want 5", size, got, b.CallCounts())
		}
	}
}

func TestFriendFields(t *testing.T) {
	a, _ := newAssembler()
	// A missing user is left out; the order of ids is kept.
	friends, err := a.Friends(context.Background(), 7, []int64{4, fakes.MissingFrom, 3, 2, 4}, assemble.Known{})
	if err != nil {
		t.Fatal(err)
	}
	if len(friends) != 3 || friends[0].Id != 4 || friends[1].Id != 3 || friends[2].Id != 2 {
		t.Fatalf("friends = %+v", friends)
	}
	sent, none, received := friends[0], friends[1], friends[2]
	if sent.Message != "to 4" || sent.MsgType != assemble.MsgSent {
		t.Fatalf("a message the viewer sent: %q, msgType %d", sent.Message, sent.MsgType)
	}
	if none.Message != "" || none.MsgType != assemble.MsgReceived {
		t.Fatalf("no message: %q, msgType %d", none.Message, none.MsgType)
	}
	if received.Message != "from 2" || received.MsgType != assemble.MsgReceived {
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

// The latest messages are decoration: without the message service the friends are shown without
// them.
func TestFriendsWithoutTheMessageService(t *testing.T) {
	a, b := newAssembler()
	b.Fail("message.LatestMessages", errors.New("connection refused"))
	friends, err := a.Friends(context.Background(), 7, []int64{2}, assemble.Known{})
	if err != nil || len(friends) != 1 || friends[0].Id != 2 || friends[0].Message != "" {
		t.Fatalf("Friends with a broken message service = %+v, %v; want friend 2 without a message", friends, err)
	}
}

func TestNoFriends(t *testing.T) {
	a, b := newAssembler()
	friends, err := a.Friends(context.Background(), 7, nil, assemble.Known{})
	if err != nil || friends == nil || len(friends) != 0 || b.Total() != 0 {
		t.Fatalf("Friends of nobody = %v, %v after %d calls; want an empty list and no call", friends, err, b.Total())
	}
}
