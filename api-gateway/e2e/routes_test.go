//go:build integration

package e2e

import (
	"net/http"
	"strings"
	"testing"
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
				params := vals("token", token, "user_id", "1", "video_id", "1", "to_user_id", "1", "action_type", "1")
				var a answer
				if r.method == http.MethodGet {
					a = p.get(t, path, params)
				} else {
					a = p.post(t, path, params)
				}
				contractShape(t, a)
				for _, l := range r.lists {
					if _, isList := a.body[l].([]any); !isList {
						t.Fatalf("%s is %v, want a list: %s", l, a.body[l], a.raw)
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
		a := refused(t, p.get(t, path, vals("user_id", "1")))
		if a.code() != 10002 {
			t.Fatalf("GET %s without token: status_code %d; want 10002", path, a.code())
		}
		if _, present := a.body[field]; !present {
			t.Fatalf("GET %s without token: %s is absent: %s", path, field, a.raw)
		}
	}
	for _, path := range []string{"/douyin/publish/action/", "/douyin/favorite/action/", "/douyin/comment/action/",
		"/douyin/relation/action/", "/douyin/message/action/"} {
		if a := refused(t, p.post(t, path, vals("video_id", "1"))); a.code() != 10002 {
			t.Fatalf("POST %s without token: status_code %d; want 10002", path, a.code())
		}
	}
}

func TestUnknownPathsAnswerJSON(t *testing.T) {
	a := shared.phone.get(t, "/douyin/nothing-here/", nil)
	if !strings.HasPrefix(a.contentType, "application/json") || a.code() == 0 {
		t.Fatalf("unknown path: HTTP %d %q %s", a.httpStatus, a.contentType, a.raw)
	}
	wrongMethod := shared.phone.get(t, "/douyin/user/register/", nil)
	if !strings.HasPrefix(wrongMethod.contentType, "application/json") || wrongMethod.code() == 0 {
		t.Fatalf("GET on a POST route: HTTP %d %q %s", wrongMethod.httpStatus, wrongMethod.contentType, wrongMethod.raw)
	}
}
