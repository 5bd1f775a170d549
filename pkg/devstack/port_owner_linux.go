package devstack

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// portOwner names the process that holds a local port ("jaeger (pid 123)"), read from /proc, so
// that "port 8080 is in use" also says what to stop. It returns "" when it cannot tell, e.g. when
// the owner belongs to another user.
func portOwner(port int, udp bool) string {
	inodes := socketInodes(port, udp)
	if len(inodes) == 0 {
		return ""
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return ""
	}
	for _, proc := range procs {
		pid, err := strconv.Atoi(proc.Name())
		if err != nil {
			continue
		}
		if holdsSocket(pid, inodes) {
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			return fmt.Sprintf("%s (pid %d)", strings.TrimSpace(string(comm)), pid)
		}
	}
	return ""
}

// socketInodes returns the inodes of the sockets bound to port: TCP ones that listen, UDP ones
// that are bound, over IPv4 and IPv6.
func socketInodes(port int, udp bool) map[string]bool {
	tables, state := []string{"/proc/net/tcp", "/proc/net/tcp6"}, "0A" // TCP_LISTEN
	if udp {
		tables, state = []string{"/proc/net/udp", "/proc/net/udp6"}, "07" // TCP_CLOSE: an unconnected UDP socket
	}
	suffix := fmt.Sprintf(":%04X", port)
	inodes := map[string]bool{}
	for _, table := range tables {
		f, err := os.Open(table)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
			fields := strings.Fields(sc.Text())
			if len(fields) > 9 && strings.HasSuffix(fields[1], suffix) && fields[3] == state {
				inodes[fields[9]] = true
			}
		}
		f.Close()
	}
	return inodes
}

func holdsSocket(pid int, inodes map[string]bool) bool {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(dir, fd.Name()))
		if err != nil || !strings.HasPrefix(link, "socket:[") {
			continue
		}
		if inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] {
			return true
		}
	}
	return false
}
