package devstack

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

const (
	// logTailLines is how much of a failed process's log an error quotes: enough for a stack
	// trace's head or a config error, short enough to read in a terminal.
	logTailLines = 20
	// maxTailLineLen cuts Jaeger's long JSON lines so that the tail stays readable.
	maxTailLineLen = 600
	// killWait bounds the wait after SIGKILL, for a process stuck in the kernel.
	killWait = 5 * time.Second
	// tailBytes is how much of the end of a log logTail reads: a log of a long `make run` can be
	// large, and the last lines are all that is wanted.
	tailBytes = 64 << 10
)

// process is one running binary of the stack, its output going to its own log file.
type process struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	started time.Time
	exited  chan struct{} // closed once the process has exited and been reaped
	waitErr error         // how it exited; read only after exited is closed
}

// startProcess runs bin with args and env, its stdout and stderr both into logPath. A first start
// (note empty) truncates the log, so that a tail shows this run of the stack only; a restart
// appends to it, after one JSON line carrying note, so that the crash stays readable above it.
func startProcess(name, bin string, args []string, dir string, env []string, logPath, note string) (*process, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%s: %s is missing: run make build", name, bin)
	}
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if note != "" {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	logFile, err := os.OpenFile(logPath, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: log file: %w", name, err)
	}
	// The child gets its own copy of the descriptor, so ours is closed as soon as it has started.
	defer logFile.Close()
	if note != "" {
		line, _ := json.Marshal(map[string]string{"time": time.Now().Format(time.RFC3339Nano), "level": "WARN", "msg": "devstack: " + note})
		_, _ = logFile.Write(append(line, '\n'))
	}

	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", name, bin, err)
	}
	p := &process{name: name, logPath: logPath, cmd: cmd, started: time.Now(), exited: make(chan struct{})}
	go p.reap()
	return p, nil
}

// reap waits for the exit, so that the process never lingers as a zombie and exited fires.
func (p *process) reap() {
	p.waitErr = p.cmd.Wait()
	close(p.exited)
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// hasExited reports whether the process is gone, without waiting.
func (p *process) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// exitStatus describes how the process ended, e.g. "exit status 1" or "signal: killed".
func (p *process) exitStatus() string {
	<-p.exited
	if p.waitErr == nil {
		return "exit status 0"
	}
	return p.waitErr.Error()
}

// signalGroup signals the process's whole group (it leads it, see sysProcAttr). A group that
// is already gone is not an error.
func (p *process) signalGroup(sig syscall.Signal) error {
	err := syscall.Kill(-p.pid(), sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// stop sends SIGTERM to the group, waits up to grace, then SIGKILLs it. It returns an error if
// the process had to be killed or did not go away.
func (p *process) stop(grace time.Duration) error {
	if !p.hasExited() {
		if err := p.signalGroup(syscall.SIGTERM); err != nil {
			return fmt.Errorf("%s: SIGTERM: %w", p.name, err)
		}
	}
	select {
	case <-p.exited:
		// The leader is gone; SIGKILL whatever it may have left behind in its group.
		_ = p.signalGroup(syscall.SIGKILL)
		return nil
	case <-time.After(grace):
	}
	_ = p.signalGroup(syscall.SIGKILL)
	select {
	case <-p.exited:
		return fmt.Errorf("%s did not stop within %s of SIGTERM and was killed", p.name, grace)
	case <-time.After(killWait):
		return fmt.Errorf("%s (pid %d) did not exit even after SIGKILL", p.name, p.pid())
	}
}

// ProcessError says which process of the stack failed, how, and what its log said last.
type ProcessError struct {
	Name    string   // "etcd", "jaeger", "user", ..., "api-gateway"
	Reason  string   // e.g. "exited: exit status 1" or "not ready after 1m0s: ..."
	LogPath string   // the process's whole log
	LogTail []string // its last lines
}

func (e *ProcessError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Name, e.Reason)
	if len(e.LogTail) == 0 {
		fmt.Fprintf(&b, " (its log %s is empty)", e.LogPath)
		return b.String()
	}
	fmt.Fprintf(&b, "; last lines of %s:", e.LogPath)
	for _, line := range e.LogTail {
		b.WriteString("\n    " + line)
	}
	return b.String()
}

// failure wraps reason with the process's log tail.
func (p *process) failure(reason string) *ProcessError {
	return &ProcessError{Name: p.name, Reason: reason, LogPath: p.logPath, LogTail: logTail(p.logPath, logTailLines)}
}

// logTail returns the last n non-empty lines of a file, each cut to maxTailLineLen.
func logTail(path string, n int) []string {
	data, err := readEnd(path, tailBytes)
	if err != nil {
		return nil
	}
	var lines []string
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		s := string(line)
		if len(s) > maxTailLineLen {
			s = s[:maxTailLineLen] + "…"
		}
		lines = append(lines, s)
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// readEnd returns the last limit bytes of a file (the first line may then be partial).
func readEnd(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	offset := max(info.Size()-limit, 0)
	return io.ReadAll(io.NewSectionReader(f, offset, info.Size()-offset))
}
