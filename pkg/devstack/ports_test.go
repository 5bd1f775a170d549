package devstack

import (
	"strings"
	"testing"
)

func TestDefaultPorts(t *testing.T) {
	p := DefaultPorts()
	if err := p.validate(1); err != nil {
		t.Fatal(err)
	}
	if p.Gateway != 8080 || p.Services["user"] != 8881 || p.Services["message"] != 8886 ||
		p.EtcdClient != 2379 || p.JaegerQuery != 16686 || p.JaegerHealth != 13133 ||
		p.GatewayAdmin != 9080 || p.Admin["user"] != 9881 || p.Admin["message"] != 9886 || p.Prometheus != 9090 {
		t.Errorf("DefaultPorts = %+v", p)
	}
}

func TestValidateNamesTheClash(t *testing.T) {
	p := DefaultPorts()
	p.Services["video"] = p.Services["user"]
	delete(p.Services, "message")
	err := p.validate(1)
	if err == nil {
		t.Fatal("duplicate and missing ports accepted")
	}
	for _, want := range []string{"8881 is given to both user service and video service", "message service port 0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}
