//go:build integration

// Package outcome checks what the phone is told about a write whose answer was lost after the
// service committed it (issue 25: a comment service killed between its commit and its answer).
// A cutting proxy (proxy_test.go) stands in front of the comment and the message services of a
// stack of the package's own, and drops their answers on demand, so the race is played the same
// way every run. The phone must never hear "not carried out" (10004, 10007) of a write that was,
// and a repeat, keyed or not, must not store it twice.
package outcome

import (
	"fmt"
	"os"
	"testing"

	"simpletiktok/api-gateway/e2e/e2etest"
)

// env is what the tests share.
type env struct {
	phone   e2etest.Phone // calls the gateway
	comment *cutProxy     // in front of the comment service
	message *cutProxy     // in front of the message service
}

var shared *env

func TestMain(m *testing.M) {
	// The proxies listen before the stack starts: each service is told at its start to register
	// its proxy's address, and learns nothing later.
	comment, err := listenCutProxy()
	if err == nil {
		var message *cutProxy
		message, err = listenCutProxy()
		shared = &env{comment: comment, message: message}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "outcome: %v\n", err)
		os.Exit(1)
	}
	e2etest.Main(m, e2etest.Options{Name: "outcome", Schema: "outcome",
		Env: map[string][]string{
			"comment": {"TIKTOK_ADVERTISE_ADDR=" + shared.comment.Addr()},
			"message": {"TIKTOK_ADVERTISE_ADDR=" + shared.message.Addr()},
		},
		// A Redis of the package's own: ids start at 1 in every stack's schemas, so a cache shared
		// with another stack would mix their counts. A few accounts from one address in a few
		// seconds: the rate limits have tests of their own.
		OwnRedis: true,
		Prepare:  func(string) ([]string, func(), error) { return []string{"TIKTOK_RATE_LIMIT=off"}, nil, nil },
	}, func(s *e2etest.Suite) {
		shared.phone = e2etest.Phone{Base: s.Stack.GatewayURL()}
		shared.comment.forwardTo(s.Stack.ServiceAddr("comment"))
		shared.message.forwardTo(s.Stack.ServiceAddr("message"))
	})
}
