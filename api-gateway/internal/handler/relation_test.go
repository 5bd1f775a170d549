package handler_test

import (
	"net/http"
	"testing"

	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/message"
	"simpletiktok/pkg/kitex_gen/relation"
)

func TestRelationAction(t *testing.T) {
	b := fakes.New()
	e := gateway(t, b)
	if body := call(t, e, http.MethodPost, "/douyin/relation/action/?token=u7&user_id=99&to_user_id=3&action_type=2"); code(body) != 0 {
		t.Fatalf("unfollow = %v", body)
	}
	if req := b.Last("relation.RelationAction").(*relation.RelationActionRequest); req.UserId != 7 || req.ToUserId != 3 ||
		req.Action != relation.RelationAction_UNFOLLOW {
		t.Fatalf("RelationAction request = %+v", req)
	}
	b.Reset()
	for q, want := range map[string]int64{"to_user_id=3&action_type=3": 15001, "to_user_id=3": 15001,
		"to_user_id=3&action_type=follow": 15001, "action_type=1": 10001, "to_user_id=-3&action_type=1": 10001} {
		if body := call(t, e, http.MethodPost, "/douyin/relation/action/?token=u7&"+q); code(body) != want {
			t.Fatalf("%s answered %v; want %d", q, body, want)
		}
	}
	if b.Total() != 0 {
		t.Fatalf("bad parameters reached the services: %v", b.CallCounts())
	}
	b.Fail("relation.RelationAction", fakes.BizErr(errno.RelationFollowSelf))
	if body := call(t, e, http.MethodPost, "/douyin/relation/action/?token=u7&to_user_id=7&action_type=1"); code(body) != 15002 {
		t.Fatalf("follow yourself = %v", body)
	}
}

// The three lists are about user_id (the caller when absent); a failure answers [].
func TestUserLists(t *testing.T) {
	b := fakes.New()
	b.Relations = []int64{4, 1500, 3}
	e := gateway(t, b)
	for path, method := range map[string]string{"/douyin/relation/follow/list/": "relation.ListFollowing",
		"/douyin/relation/follower/list/": "relation.ListFollowers", "/douyin/relation/friend/list/": "relation.ListFriends"} {
		body := call(t, e, http.MethodGet, path+"?token=u7&user_id=2")
		list, _ := body["user_list"].([]any)
		if code(body) != 0 || len(list) != 2 || num(list[0].(map[string]any)["id"]) != 4 {
			t.Fatalf("%s = %v; want users 4 and 3", path, body)
		}
		if req := b.Last(method).(*relation.ListQuery); req.UserId != 2 || req.ViewerId != 7 {
			t.Fatalf("%s asked %+v; want user 2's list for viewer 7", path, req)
		}
		// The list brought its users' counts and the caller's follows: no second relation call.
		if u := list[0].(map[string]any); b.Calls("relation.UserStats") != 0 || u["is_follow"] != true ||
			num(u["follower_count"]) != 400 {
			t.Fatalf("%s shows %v after %v; want the list's stats, no relation.UserStats", path, u, b.CallCounts())
		}
		call(t, e, http.MethodGet, path+"?token=u7")
		if req := b.Last(method).(*relation.ListQuery); req.UserId != 7 {
			t.Fatalf("%s without user_id listed user %d; want the caller", path, req.UserId)
		}
		b.Fail(method, fakes.Unreachable())
		if body := call(t, e, http.MethodGet, path+"?token=u7"); code(body) != 10004 || !isEmptyList(body["user_list"]) {
			t.Fatalf("%s with the service down = %v", path, body)
		}
	}
	// A friend carries the latest message between the caller and them.
	b.Fail("relation.ListFriends", nil)
	body := call(t, e, http.MethodGet, "/douyin/relation/friend/list/?token=u7")
	if f := body["user_list"].([]any)[0].(map[string]any); f["message"] != "to 4" || num(f["msgType"]) != 1 {
		t.Fatalf("friend = %v", f)
	}
}

func TestMessages(t *testing.T) {
	b := fakes.New()
	b.ChatMessages = []*message.Message{{Id: 1, FromUserId: 7, ToUserId: 3, Content: "hi", CreateTimeMs: 5}}
	e := gateway(t, b)
	body := call(t, e, http.MethodGet, "/douyin/message/chat/?token=u7&to_user_id=3&pre_msg_time=4")
	list, _ := body["message_list"].([]any)
	if code(body) != 0 || len(list) != 1 || list[0].(map[string]any)["content"] != "hi" || num(list[0].(map[string]any)["create_time"]) != 5 {
		t.Fatalf("chat = %v", body)
	}
	if req := b.Last("message.Chat").(*message.ChatRequest); req.UserId != 7 || req.PeerId != 3 || req.PreMsgTimeMs != 4 {
		t.Fatalf("Chat request = %+v", req)
	}
	if body := call(t, e, http.MethodGet, "/douyin/message/chat/?token=u7&to_user_id=3&pre_msg_time=-4"); code(body) != 10001 || !isEmptyList(body["message_list"]) {
		t.Fatalf("bad pre_msg_time = %v", body)
	}

	if body := call(t, e, http.MethodPost, "/douyin/message/action/?token=u7&user_id=9&to_user_id=3&action_type=1&content=yo"); code(body) != 0 {
		t.Fatalf("send = %v", body)
	}
	if req := b.Last("message.SendMessage").(*message.SendMessageRequest); req.FromUserId != 7 || req.ToUserId != 3 || req.Content != "yo" {
		t.Fatalf("SendMessage request = %+v", req)
	}
	b.Reset()
	for q, want := range map[string]int64{"to_user_id=3&action_type=2&content=x": 16001, "to_user_id=3&content=x": 16001,
		"action_type=1&content=x": 10001} {
		if body := call(t, e, http.MethodPost, "/douyin/message/action/?token=u7&"+q); code(body) != want {
			t.Fatalf("%s answered %v; want %d", q, body, want)
		}
	}
	if b.Total() != 0 {
		t.Fatalf("bad parameters reached the services: %v", b.CallCounts())
	}
}
