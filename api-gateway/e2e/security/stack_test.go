//go:build integration

// Package security attacks a real stack of its own over HTTP, as issue 26's review did: uploads
// whose file comes before a bad token, bodies dripped from many addresses, a token used after
// its revocation. Its gateway runs with small limits (a cap of 16 requests in flight, a spool of
// 12 MiB of which 4 MiB for files sent before their token), so that the bounds are reached with
// little traffic; nothing here can run beside another package's stack.
package security

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"simpletiktok/api-gateway/e2e/e2etest"
	"simpletiktok/pkg/devstack"
)

// The limits of this package's gateway.
const (
	maxInFlight     = 16
	maxUpload       = 8 << 20
	spoolBytes      = 12 << 20
	unverifiedBytes = 4 << 20
)

type env struct {
	stack *devstack.Stack
	phone e2etest.Phone
}

var shared *env

func TestMain(m *testing.M) {
	e2etest.Main(m, e2etest.Options{Name: "security", Schema: "sec", OwnRedis: true,
		Prepare: func(string) ([]string, func(), error) {
			return []string{
				"TIKTOK_RATE_LIMIT=off", // the bounds under test are the cap in flight and the spool's
				"TIKTOK_MAX_IN_FLIGHT=16",
				"TIKTOK_MEDIA_MAX_UPLOAD_BYTES=8388608",
				"TIKTOK_MEDIA_SPOOL_BYTES=12582912",
				"TIKTOK_MEDIA_UNVERIFIED_SPOOL_BYTES=4194304",
			}, nil, nil
		},
	}, func(s *e2etest.Suite) {
		shared = &env{stack: s.Stack, phone: e2etest.Phone{Base: s.Stack.GatewayURL()}}
	})
}

// account registers a new user and returns its id and token.
func account(t *testing.T, prefix string) (int64, string) {
	t.Helper()
	a := e2etest.OK(t, shared.phone.Post(t, "/douyin/user/register/", e2etest.Vals("username", e2etest.Unique(prefix), "password", "pass-word")))
	return a.Int("user_id"), a.Str("token")
}

// spoolDir is where the gateway spools uploads: the .incoming folder of its media folder, which
// devstack keeps beside the log folder.
func spoolDir() string {
	return filepath.Join(filepath.Dir(shared.stack.LogDir()), "media", ".incoming")
}

// spooled is the number of bytes in the spool now.
func spooled(t testing.TB) int64 {
	entries, err := os.ReadDir(spoolDir())
	if err != nil && !os.IsNotExist(err) {
		t.Error(err)
	}
	var n int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
	}
	return n
}

func vals(kv ...string) url.Values { return e2etest.Vals(kv...) }
