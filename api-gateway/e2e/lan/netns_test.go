//go:build integration && linux

package lan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// A phone on the LAN, made of a network namespace of the test's own joined to this machine by a
// veth pair on a /30 of 10.213.0.0/16: this machine is hostAddr, the phone nsAddr. The namespace
// has no other interface and no default route, so whatever the phone sends goes to hostAddr or
// nowhere: never to this machine's own external address, never beyond it.
type netns struct {
	name             string // ip netns name, tiktok-lan-<pid>
	link             string // the host's end of the veth pair
	hostAddr, nsAddr string
	fd               *os.File // the namespace, to enter it
	home             *os.File // this process's own namespace, to come back
}

// nsPrefix starts the name of every namespace this package makes; the pid of the test process
// that made it follows.
const nsPrefix = "tiktok-lan-"

// errNoNamespaces says that this machine cannot give the test a namespace: not root, no ip
// command, or a kernel or container that refuses.
var errNoNamespaces = errors.New("cannot create network namespaces")

// newNetns makes the namespace and its veth pair. It removes them again if any step fails.
func newNetns() (*netns, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: the test runs as uid %d, not root", errNoNamespaces, os.Geteuid())
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, fmt.Errorf("%w: no ip command (Debian package iproute2)", errNoNamespaces)
	}
	removeStale()
	pid := os.Getpid()
	n := &netns{name: nsPrefix + strconv.Itoa(pid), link: "tlan" + strconv.Itoa(pid)}
	subnet, err := freeSubnet(pid)
	if err != nil {
		return nil, err
	}
	n.hostAddr, n.nsAddr = subnet+".1", subnet+".2"
	if out, err := ip("netns", "add", n.name); err != nil {
		if strings.Contains(out, "not permitted") || strings.Contains(out, "Permission denied") {
			return nil, fmt.Errorf("%w: ip netns add: %s", errNoNamespaces, out)
		}
		return nil, fmt.Errorf("ip netns add %s: %v: %s", n.name, err, out)
	}
	steps := [][]string{
		{"link", "add", n.link, "type", "veth", "peer", "name", n.link + "p", "netns", n.name},
		{"addr", "add", n.hostAddr + "/30", "dev", n.link},
		{"link", "set", n.link, "up"},
		{"-n", n.name, "addr", "add", n.nsAddr + "/30", "dev", n.link + "p"},
		{"-n", n.name, "link", "set", n.link + "p", "up"},
		{"-n", n.name, "link", "set", "lo", "up"},
	}
	for _, step := range steps {
		if out, err := ip(step...); err != nil {
			n.remove()
			return nil, fmt.Errorf("ip %s: %v: %s", strings.Join(step, " "), err, out)
		}
	}
	if n.fd, err = os.Open(filepath.Join("/run/netns", n.name)); err != nil {
		n.remove()
		return nil, err
	}
	if n.home, err = os.Open("/proc/self/ns/net"); err != nil {
		n.remove()
		return nil, err
	}
	return n, nil
}

// remove deletes the veth pair and the namespace; what is already gone is no error.
func (n *netns) remove() {
	for _, f := range []*os.File{n.fd, n.home} {
		if f != nil {
			f.Close()
		}
	}
	_, _ = ip("link", "del", n.link)
	_, _ = ip("netns", "del", n.name)
}

// removeStale removes the namespaces of earlier runs whose test process is gone: a run killed by
// a timeout never reached its own clean-up.
func removeStale() {
	out, err := ip("netns", "list")
	if err != nil {
		return
	}
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || !strings.HasPrefix(fields[0], nsPrefix) {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimPrefix(fields[0], nsPrefix))
		if err != nil {
			continue
		}
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); errors.Is(err, os.ErrNotExist) {
			(&netns{name: fields[0], link: "tlan" + strconv.Itoa(pid)}).remove()
		}
	}
}

// freeSubnet picks a 10.213.x.0/30 that no interface of this machine is on, starting from one
// the pid chooses, so that two test processes at once take two.
func freeSubnet(pid int) (string, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", err
	}
	used := func(prefix string) bool {
		for _, a := range addrs {
			if strings.HasPrefix(a.String(), prefix) {
				return true
			}
		}
		return false
	}
	for i := range 250 {
		x := 1 + (pid+i)%250
		prefix := "10.213." + strconv.Itoa(x)
		if !used(prefix + ".") {
			return prefix, nil
		}
	}
	return "", errors.New("every 10.213.x.0/30 is in use")
}

func ip(args ...string) (string, error) {
	out, err := exec.Command("ip", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// dial connects from inside the namespace: the socket is made while this goroutine's thread has
// entered it, and stays there after the thread comes back.
func (n *netns) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	runtime.LockOSThread()
	if err := unix.Setns(int(n.fd.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("entering %s: %w", n.name, err)
	}
	conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
	if backErr := unix.Setns(int(n.home.Fd()), unix.CLONE_NEWNET); backErr != nil {
		// The thread stays in the namespace and locked: Go ends it with this goroutine, so that
		// nothing else runs there.
		if conn != nil {
			conn.Close()
		}
		return nil, fmt.Errorf("leaving %s: %w", n.name, backErr)
	}
	runtime.UnlockOSThread()
	return conn, err
}

// client is the phone's HTTP client: every connection from inside the namespace, no proxy.
func (n *netns) client() *http.Client {
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{DialContext: n.dial, Proxy: nil, DisableKeepAlives: true},
	}
}
