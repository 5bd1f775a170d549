package rpc

import (
	"testing"

	"github.com/cloudwego/kitex/pkg/serviceinfo"

	"simpletiktok/pkg/kitex_gen/comment/commentservice"
	"simpletiktok/pkg/kitex_gen/favorite/favoriteservice"
	"simpletiktok/pkg/kitex_gen/message/messageservice"
	"simpletiktok/pkg/kitex_gen/relation/relationservice"
	"simpletiktok/pkg/kitex_gen/user/userservice"
	"simpletiktok/pkg/kitex_gen/video/videoservice"
)

// Every method classed as a read exists, so that a typo cannot leave a read with a write's
// timeout; and no write of the IDL is among them, so that no write is ever retried.
func TestReadMethodsAreTheIDLsReads(t *testing.T) {
	methods := map[string]bool{}
	for _, si := range []*serviceinfo.ServiceInfo{userservice.NewServiceInfo(), videoservice.NewServiceInfo(),
		favoriteservice.NewServiceInfo(), commentservice.NewServiceInfo(), relationservice.NewServiceInfo(),
		messageservice.NewServiceInfo()} {
		for name := range si.Methods {
			methods[name] = true
		}
	}
	writes := []string{"Register", "Login", "Publish", "FavoriteAction", "PostComment", "DeleteComment",
		"RelationAction", "SendMessage", "SetCover"}
	for _, m := range readMethods() {
		if !methods[m] {
			t.Errorf("read method %s is in no service's IDL", m)
		}
	}
	for _, w := range writes {
		for _, m := range readMethods() {
			if m == w {
				t.Errorf("%s changes data (or costs a bcrypt) and must not be retried as a read", w)
			}
		}
	}
	if len(readMethods())+len(writes) != len(methods) {
		t.Errorf("%d reads and %d others, but the IDL has %d methods: class the new one", len(readMethods()), len(writes), len(methods))
	}
}
