package handler_test

import (
	"net/http"
	"testing"

	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/user"
)

func TestRegisterAndLoginAnswerAToken(t *testing.T) {
	b := fakes.New()
	e := gateway(t, b)
	for _, path := range []string{"/douyin/user/register/", "/douyin/user/login/"} {
		body := call(t, e, http.MethodPost, path+"?username=alice&password=secret")
		if code(body) != 0 || num(body["user_id"]) != fakes.RegisteredID || body["token"] != "u7" {
			t.Fatalf("%s = %v", path, body)
		}
	}
	if req := b.Last("user.Register").(*user.RegisterRequest); req.Username != "alice" || req.Password != "secret" {
		t.Fatalf("Register request = %+v", req)
	}
	b.Fail("user.Register", fakes.BizErr(errno.UserAlreadyExists))
	body := call(t, e, http.MethodPost, "/douyin/user/register/?username=alice&password=secret")
	if code(body) != 11001 || num(body["user_id"]) != 0 || body["token"] != "" {
		t.Fatalf("a taken name = %v; want 11001, user_id 0 and token \"\"", body)
	}
}

func TestUserInfo(t *testing.T) {
	b := fakes.New()
	e := gateway(t, b)
	body := call(t, e, http.MethodGet, "/douyin/user/?token=u7")
	if u, _ := body["user"].(map[string]any); code(body) != 0 || num(u["id"]) != 7 || u["name"] != "u7" {
		t.Fatalf("own profile = %v", body)
	}
	body = call(t, e, http.MethodGet, "/douyin/user/?token=u7&user_id=1500")
	if u, present := body["user"]; code(body) != 11003 || !present || u != nil {
		t.Fatalf("a missing user = %v; want 11003 with user: null", body)
	}
	if body := call(t, e, http.MethodGet, "/douyin/user/?token=u7&user_id=0"); code(body) != 10001 {
		t.Fatalf("user_id=0 = %v", body)
	}
}
