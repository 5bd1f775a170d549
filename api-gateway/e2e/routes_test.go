//go:build integration

package e2e

import (
	"net/http"
	"strings"
	"testing"

	"simpletiktok/api-gateway/e2e/e2etest"
)

// Every endpoint of the contract is served at its exact path, with and without the trailing
// slash, and answers JSON in its own shape (lists present, never null) whatever the
// parameters make of the request.
func TestAllSixteenRoutesAnswerJSON(t *testing.T) {
	p := shared.phone
	_, token := account(t, "routes")
	routes := []struct {
		method, path string
		lists        []string
	}{
		{http.MethodGet, "/douyin/feed/", []string{"video_list"}},
		{http.MethodPost, "/douyin/user/register/", nil},
		{http.MethodPost, "/douyin/user/login/", nil},
		{http.MethodGet, "/douyin/user/", nil},
		{http.MethodPost, "/douyin/publish/action/", nil},
		{http.MethodGet, "/douyin/publish/list/", []string{"video_list"}},
		{http.MethodPost, "/douyin/favorite/action/", nil},
		{http.MethodGet, "/douyin/favorite/list/", []string{"video_list"}},
		{http.MethodPost, "/douyin/comment/action/", nil},
		{http.MethodGet, "/douyin/comment/list/", []string{"comment_list"}},
		{http.MethodPost, "/douyin/relation/action/", nil},
		{http.MethodGet, "/douyin/relation/follow/list/", []string{"user_list"}},
		{http.MethodGet, "/douyin/relation/follower/list/", []string{"user_list"}},
		{http.MethodGet, "/douyin/relation/friend/list/", []string{"user_list"}},
		{http.MethodGet, "/douyin/message/chat/", []string{"message_list"}},
		{http.MethodPost, "/douyin/message/action/", nil},
	}
	for _, r := range routes {
		for _, path := range []string{r.path, strings.TrimSuffix(r.path, "/")} {
			t.Run(r.method+" "+path, func(t *testing.T) {
				params := e2etest.Vals("token", token, "user_id", "1", "video_id", "1", "to_user_id", "1", "action_type", "1")
				var a e2etest.Answer
				if r.method == http.MethodGet {
					a = p.Get(t, path, params)
				} else {
					a = p.Post(t, path, params)
				}
				e2etest.ContractShape(t, a)
				for _, l := range r.lists {
					if _, isList := a.Body[l].([]any); !isList {
						t.Fatalf("%s is %v, want a list: %s", l, a.Body[l], a.Raw)
					}
				}
			})
		}
	}
}

func TestRoutesNeedingATokenRefuseWithout(t *testing.T) {
	p := shared.phone
	for path, field := range map[string]string{"/douyin/user/": "user", "/douyin/publish/list/": "video_list",
		"/douyin/favorite/list/": "video_list", "/douyin/relation/follow/list/": "user_list",
		"/douyin/relation/follower/list/": "user_list", "/douyin/relation/friend/list/": "user_list",
		"/douyin/message/chat/": "message_list"} {
		a := e2etest.Refused(t, p.Get(t, path, e2etest.Vals("user_id", "1")))
		if a.Code() != 10002 {
			t.Fatalf("GET %s without token: status_code %d; want 10002", path, a.Code())
		}
		if _, present := a.Body[field]; !present {
			t.Fatalf("GET %s without token: %s is absent: %s", path, field, a.Raw)
		}
	}
	for _, path := range []string{"/douyin/publish/action/", "/douyin/favorite/action/", "/douyin/comment/action/",
		"/douyin/relation/action/", "/douyin/message/action/"} {
		if a := e2etest.Refused(t, p.Post(t, path, e2etest.Vals("video_id", "1"))); a.Code() != 10002 {
			t.Fatalf("POST %s without token: status_code %d; want 10002", path, a.Code())
		}
	}
}

func TestUnknownPathsAnswerJSON(t *testing.T) {
	a := shared.phone.Get(t, "/douyin/nothing-here/", nil)
	if !strings.HasPrefix(a.ContentType, "application/json") || a.Code() == 0 {
		t.Fatalf("unknown path: HTTP %d %q %s", a.HTTPStatus, a.ContentType, a.Raw)
	}
	wrongMethod := shared.phone.Get(t, "/douyin/user/register/", nil)
	if !strings.HasPrefix(wrongMethod.ContentType, "application/json") || wrongMethod.Code() == 0 {
		t.Fatalf("GET on a POST route: HTTP %d %q %s", wrongMethod.HTTPStatus, wrongMethod.ContentType, wrongMethod.Raw)
	}
}
