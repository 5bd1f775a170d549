package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/common/config"
	"github.com/cloudwego/hertz/pkg/common/ut"
	"github.com/cloudwego/hertz/pkg/route"

	"simpletiktok/pkg/errno"
)

var revoked = errno.Unauthorized.WithMsg("please log in again: this token was revoked")

// verifier accepts "good" as user 7, refuses "revoked" with its own message, anything else plainly.
type verifier struct{}

func (verifier) Verify(_ context.Context, token string) (int64, error) {
	switch token {
	case "good":
		return 7, nil
	case "revoked":
		return 0, revoked
	}
	return 0, errors.New("bad token")
}

// A refusal says why when the verifier does (a revoked token), and 10002's message otherwise.
func TestRequireTokenSaysWhy(t *testing.T) {
	e := route.NewEngine(config.NewOptions(nil))
	e.GET("/x/", RequireToken(verifier{}, nil), func(_ context.Context, c *app.RequestContext) {
		WriteStatus(c, http.StatusOK, &errno.Error{Code: 0, Msg: "success"})
	})
	for token, want := range map[string]*errno.Error{"good": {Code: 0, Msg: "success"}, "revoked": revoked, "forged": errno.Unauthorized} {
		var body struct {
			StatusCode int32  `json:"status_code"`
			StatusMsg  string `json:"status_msg"`
		}
		w := ut.PerformRequest(e, http.MethodGet, "/x/?token="+token, nil)
		if err := json.Unmarshal(w.Result().Body(), &body); err != nil || body.StatusCode != want.Code || body.StatusMsg != want.Msg {
			t.Errorf("token %q: %s; want %d %q", token, w.Result().Body(), want.Code, want.Msg)
		}
	}
}
