package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Ports are the loopback ports of every process of the local stack.
type Ports struct {
	Gateway, EtcdClient, EtcdPeer                                                       int
	JaegerQuery, JaegerQueryGRPC, JaegerCollectorHTTP, JaegerAgentCompact, JaegerHealth int
	Services                                                                            map[string]int // "user" -> 8881 ...
	// Admin ports (/metrics, /healthz, /readyz) of the gateway and of each service, and
	// Prometheus's, which scrapes them all.
	GatewayAdmin, Prometheus int
	Admin                    map[string]int // "user" -> 9881 ...
	// NATS's client port (JetStream), and the media worker's admin port (it serves no other).
	NATS, WorkerAdmin int
	// Second holds the ports of the second instance of each service and of the second gateway,
	// used only by a stack of two replicas (Options.Replicas).
	Second InstancePorts
}

// InstancePorts are the ports of one instance of each service and of the gateway, beyond the
// first (whose ports are the fields of Ports itself).
type InstancePorts struct {
	Gateway, GatewayAdmin int
	Services, Admin       map[string]int // by service name, as in Ports
}

// maxReplicas is how many instances of each service and of the gateway a stack may run.
const maxReplicas = 2

// service is the RPC port of instance i (0 the first) of a service; admin its admin port.
func (p Ports) service(name string, i int) int {
	if i > 0 {
		return p.Second.Services[name]
	}
	return p.Services[name]
}

func (p Ports) admin(name string, i int) int {
	if i > 0 {
		return p.Second.Admin[name]
	}
	return p.Admin[name]
}

// gateway is the HTTP port of gateway instance i; gatewayAdmin its admin port.
func (p Ports) gateway(i int) int {
	if i > 0 {
		return p.Second.Gateway
	}
	return p.Gateway
}

func (p Ports) gatewayAdmin(i int) int {
	if i > 0 {
		return p.Second.GatewayAdmin
	}
	return p.GatewayAdmin
}

// serviceNames lists the RPC services in start order. It is a function, not a variable, so that
// no caller can change the list another caller sees.
func serviceNames() []string {
	return []string{"user", "video", "favorite", "comment", "relation", "message"}
}

// ServiceNames lists the six RPC services in start order.
func ServiceNames() []string { return serviceNames() }

// DefaultPorts are the ports the committed config files name, so that `make run` and a service
// started by hand from its config.yaml agree.
func DefaultPorts() Ports {
	p := Ports{
		Gateway:             8080,
		EtcdClient:          2379,
		EtcdPeer:            2380,
		JaegerQuery:         16686,
		JaegerQueryGRPC:     16685,
		JaegerCollectorHTTP: 14268,
		JaegerAgentCompact:  6831,
		JaegerHealth:        13133,
		Services:            map[string]int{},
		GatewayAdmin:        9080,
		Prometheus:          9090,
		Admin:               map[string]int{},
		// Not NATS's usual 4222, which a system NATS may hold on a development machine.
		NATS:        4223,
		WorkerAdmin: 9887,
		// The second instances, ten above the first (9090 is Prometheus's, hence 9089).
		Second: InstancePorts{Gateway: 8090, GatewayAdmin: 9089, Services: map[string]int{}, Admin: map[string]int{}},
	}
	for i, name := range serviceNames() {
		p.Services[name] = 8881 + i
		p.Admin[name] = 9881 + i
		p.Second.Services[name] = 8891 + i
		p.Second.Admin[name] = 9891 + i
	}
	return p
}

// namedPort is one port with what it is for, so that errors can say which one is busy.
type namedPort struct {
	role string
	port int
	udp  bool
}

// list names the ports a stack of replicas instances uses: the second instances' only when
// replicas is 2.
func (p Ports) list(replicas int) []namedPort {
	l := []namedPort{
		{"etcd client", p.EtcdClient, false},
		{"etcd peer", p.EtcdPeer, false},
		{"Jaeger query HTTP", p.JaegerQuery, false},
		{"Jaeger query gRPC", p.JaegerQueryGRPC, false},
		{"Jaeger collector HTTP", p.JaegerCollectorHTTP, false},
		{"Jaeger agent compact UDP", p.JaegerAgentCompact, true},
		{"Jaeger health", p.JaegerHealth, false},
		{"NATS", p.NATS, false},
		{"media worker admin", p.WorkerAdmin, false},
	}
	for _, name := range serviceNames() {
		l = append(l, namedPort{name + " service", p.Services[name], false},
			namedPort{name + " admin", p.Admin[name], false})
	}
	l = append(l, namedPort{"gateway HTTP", p.Gateway, false}, namedPort{"gateway admin", p.GatewayAdmin, false},
		namedPort{"Prometheus", p.Prometheus, false})
	if replicas < 2 {
		return l
	}
	for _, name := range serviceNames() {
		l = append(l, namedPort{name + "-2 service", p.Second.Services[name], false},
			namedPort{name + "-2 admin", p.Second.Admin[name], false})
	}
	return append(l, namedPort{"gateway-2 HTTP", p.Second.Gateway, false}, namedPort{"gateway-2 admin", p.Second.GatewayAdmin, false})
}

// validate rejects missing and repeated ports of a stack of replicas instances before anything
// starts, where the mistake is still easy to name.
func (p Ports) validate(replicas int) error {
	seen := map[int]string{}
	var errs []error
	for _, np := range p.list(replicas) {
		if np.port <= 0 || np.port > 65535 {
			errs = append(errs, fmt.Errorf("ports: %s port %d is not a valid port", np.role, np.port))
			continue
		}
		if other, ok := seen[np.port]; ok {
			errs = append(errs, fmt.Errorf("ports: %d is given to both %s and %s", np.port, other, np.role))
			continue
		}
		seen[np.port] = np.role
	}
	return errors.Join(errs...)
}

// checkFree tries to bind every port of a stack of replicas instances on 127.0.0.1, so that a
// busy port is reported up front by number and owner instead of as one process's bind error
// halfway through the start.
func (p Ports) checkFree(replicas int) error {
	var busy []string
	for _, np := range p.list(replicas) {
		if err := bindable(np.port, np.udp); err != nil {
			msg := fmt.Sprintf("port %d (%s) is in use", np.port, np.role)
			if owner := portOwner(np.port, np.udp); owner != "" {
				msg += " by " + owner
			}
			busy = append(busy, msg)
		}
	}
	switch len(busy) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%w: %s", ErrPortInUse, busy[0])
	}
	// Many busy ports usually mean another stack is running, e.g. a forgotten `make run`.
	return fmt.Errorf("%w: %d ports are in use (is another stack running?):\n  %s", ErrPortInUse, len(busy), strings.Join(busy, "\n  "))
}

// ErrPortInUse is a stack that could not start because one of its ports was taken.
var ErrPortInUse = errors.New("port in use")

// startAttempts bounds how often StartOnFreePorts chooses ports again.
const startAttempts = 3

// StartOnFreePorts is Start on ports FreePorts chooses (opts.Ports is ignored), chosen again and
// started again when one was taken while the stack started (PortTaken): test packages, the chaos
// suite and a second stack beside `make run` start theirs at the same moment as other programs.
// It returns the ports of the last attempt, also when that failed.
func StartOnFreePorts(ctx context.Context, opts Options) (*Stack, Ports, error) {
	for attempt := 1; ; attempt++ {
		ports, err := FreePorts()
		if err != nil {
			return nil, Ports{}, err
		}
		opts.Ports = ports
		s, err := Start(ctx, opts)
		if err == nil || !PortTaken(err) || attempt == startAttempts || ctx.Err() != nil {
			return s, ports, err
		}
		if opts.Out != nil {
			fmt.Fprintf(opts.Out, "a port was taken while the stack started (%v); starting again on other ports\n", err)
		}
	}
}

// PortTaken reports whether Start failed because a port was taken: found busy before anything
// started, or taken by another program between that check and a process's own bind. Ports from
// FreePorts are free when chosen, but another program (another stack starting at the same moment,
// an outgoing connection's ephemeral port) may take one before the stack binds it: a caller that
// chose them may choose again and start again.
func PortTaken(err error) bool {
	return errors.Is(err, ErrPortInUse) || err != nil && strings.Contains(err.Error(), "address already in use")
}

func loopback(port int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

func bindable(port int, udp bool) error {
	if udp {
		c, err := net.ListenPacket("udp", loopback(port))
		if err != nil {
			return err
		}
		return c.Close()
	}
	l, err := net.Listen("tcp", loopback(port))
	if err != nil {
		return err
	}
	return l.Close()
}

// FreePorts picks distinct free loopback ports, so that a test stack runs beside `make run` or
// another test, the second instances' included (a stack of one replica leaves them unused). The
// ports are free when it returns; nothing reserves them afterwards.
func FreePorts() (Ports, error) {
	tcp := 37 // every port but the agent's UDP one: 23 for the first instances, 14 for the second
	// Keep every listener open until all ports are chosen: the kernel then cannot hand out the
	// same port twice.
	var closers []func() error
	defer func() {
		for _, c := range closers {
			_ = c()
		}
	}()
	taken := map[int]bool{}
	var ports []int
	for len(ports) < tcp {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return Ports{}, fmt.Errorf("free ports: %w", err)
		}
		closers = append(closers, l.Close)
		port := l.Addr().(*net.TCPAddr).Port
		taken[port] = true
		ports = append(ports, port)
	}
	udp, err := freeUDPPort(taken, &closers)
	if err != nil {
		return Ports{}, err
	}
	p := Ports{
		EtcdClient: ports[0], EtcdPeer: ports[1],
		JaegerQuery: ports[2], JaegerQueryGRPC: ports[3], JaegerCollectorHTTP: ports[4], JaegerHealth: ports[5],
		JaegerAgentCompact: udp,
		Gateway:            ports[6],
		Services:           map[string]int{},
		GatewayAdmin:       ports[13],
		Prometheus:         ports[14],
		Admin:              map[string]int{},
		NATS:               ports[21],
		WorkerAdmin:        ports[22],
		Second:             InstancePorts{Gateway: ports[23], GatewayAdmin: ports[24], Services: map[string]int{}, Admin: map[string]int{}},
	}
	for i, name := range serviceNames() {
		p.Services[name] = ports[7+i]
		p.Admin[name] = ports[15+i]
		p.Second.Services[name] = ports[25+i]
		p.Second.Admin[name] = ports[31+i]
	}
	return p, nil
}

// freeUDPPort finds a free UDP port whose number is not among the TCP ones, because the ports of
// one stack must be distinct numbers whatever their protocol.
func freeUDPPort(taken map[int]bool, closers *[]func() error) (int, error) {
	for range 100 {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("free ports: %w", err)
		}
		*closers = append(*closers, c.Close)
		if port := c.LocalAddr().(*net.UDPAddr).Port; !taken[port] {
			return port, nil
		}
	}
	return 0, errors.New("free ports: no free UDP port distinct from the TCP ones")
}
