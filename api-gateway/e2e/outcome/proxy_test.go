//go:build integration

package outcome

import (
	"errors"
	"io"
	"net"
	"sync"
)

// cutProxy stands between the gateway and one service: the service registers the proxy's address
// in etcd, so every call of the gateway to it comes through here, and the proxy forwards the bytes
// both ways. Armed, it cuts answers: the request reaches the service, which carries it out and
// answers; the answer's bytes are dropped, the gateway's connection is reset and the service's
// closed. The service has committed and the gateway never hears of it, which is the race of a
// service killed between its commit and its answer, without the timing.
type cutProxy struct {
	listener net.Listener
	ready    chan struct{} // closed by forwardTo; dialing waits for it
	service  string        // the service's own address, set before ready is closed

	mu    sync.Mutex
	armed int // answers still to cut
	cut   int // answers cut since the last arm
}

// listenCutProxy listens on a free loopback port. Nothing is forwarded before forwardTo names the
// service: a connection that arrives earlier waits for it.
func listenCutProxy() (*cutProxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &cutProxy{listener: l, ready: make(chan struct{})}
	go p.serve()
	return p, nil
}

// Addr is the address the service advertises.
func (p *cutProxy) Addr() string { return p.listener.Addr().String() }

// forwardTo names the service's listening address (known once the stack has started). Call it once.
func (p *cutProxy) forwardTo(address string) {
	p.service = address
	close(p.ready)
}

// arm makes the proxy cut the next n answers, and starts counting cuts afresh.
func (p *cutProxy) arm(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armed, p.cut = n, 0
}

// disarm stops cutting and says how many answers were cut since arm.
func (p *cutProxy) disarm() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armed = 0
	return p.cut
}

// takeCut reports whether the answer that just arrived is to be cut, and counts it.
func (p *cutProxy) takeCut() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.armed == 0 {
		return false
	}
	p.armed--
	p.cut++
	return true
}

func (p *cutProxy) serve() {
	for {
		gateway, err := p.listener.Accept()
		if err != nil {
			return // the listener lives as long as the test binary
		}
		go p.pipe(gateway.(*net.TCPConn))
	}
}

// pipe forwards one connection of the gateway to a connection of its own to the service.
func (p *cutProxy) pipe(gateway *net.TCPConn) {
	<-p.ready
	service, err := net.Dial("tcp", p.service)
	if err != nil {
		gateway.Close()
		return
	}
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			gateway.Close()
			service.Close()
		})
	}
	go func() {
		_, _ = io.Copy(service, gateway) // requests go through untouched
		closeBoth()
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := service.Read(buf)
		if n > 0 && p.takeCut() {
			// The answer is dropped. Linger 0 makes Close send a reset, not a FIN: what the gateway
			// sees of a service process that died.
			_ = gateway.SetLinger(0)
			closeBoth()
			return
		}
		if n > 0 {
			if _, werr := gateway.Write(buf[:n]); werr != nil {
				closeBoth()
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				_ = gateway.SetLinger(0)
			}
			closeBoth()
			return
		}
	}
}
