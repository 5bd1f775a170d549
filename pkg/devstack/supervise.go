package devstack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"syscall"
	"time"

	"simpletiktok/pkg/backoff"
)

const (
	// restartMin and restartMax bound the wait before restarting a process that exited: quick
	// after a one-off crash, at most every restartMax for one that keeps failing.
	restartMin = 200 * time.Millisecond
	restartMax = 10 * time.Second
	// stableAfter is how long a process must have run for its next exit to count as a fresh
	// crash (restarted after restartMin) rather than part of a crash loop.
	stableAfter = 30 * time.Second
	// notReadyGrace is how long a restarted process that never became ready gets to stop after
	// SIGTERM before it is killed.
	notReadyGrace = 2 * time.Second
)

// child is one program of the stack: how to start it, how to tell it is ready, and its current
// process, which the supervisor replaces when it exits.
type child struct {
	name    string // the process's name: its log, Status, KillFor ("comment-2")
	program string // the binary in Root/bin, when it is not name ("comment")
	args    []string
	env     []string
	// probe returns the readiness check of a process about to be started; it may note state
	// first (the etcd revision, so that a restarted service is ready only once it registered
	// anew, not because its predecessor's registration is still there).
	probe func(ctx context.Context) func(context.Context) error

	mu        sync.Mutex
	proc      *process
	ready     bool
	restarts  int
	holdUntil time.Time // KillFor, TerminateFor: no restart before then
	stopAsked bool      // TerminateFor: the next exit was asked for with SIGTERM
}

// binary is the program c runs from Root/bin.
func (c *child) binary() string {
	if c.program != "" {
		return c.program
	}
	return c.name
}

func (c *child) current() *process {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proc
}

func (c *child) setProcess(p *process) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.proc, c.ready = p, false
}

func (c *child) setReady(ready bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ready = ready
}

// takeHold returns how much longer a KillFor or TerminateFor asks the process to stay down, and
// whether its exit was asked for with SIGTERM, and forgets both.
func (c *child) takeHold() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, asked := time.Until(c.holdUntil), c.stopAsked
	c.holdUntil, c.stopAsked = time.Time{}, false
	return max(d, 0), asked
}

// startChild starts c for the first time and waits until it is ready; then the supervisor
// watches it. A first start that fails is the stack's failure.
func (s *Stack) startChild(ctx context.Context, c *child) error {
	s.mu.Lock()
	s.children = append(s.children, c)
	s.mu.Unlock()
	probe := c.probe(ctx)
	p, err := s.launch(c, "")
	if err != nil {
		return err
	}
	if err := s.waitReady(ctx, p, probe); err != nil {
		return err
	}
	c.setReady(true)
	s.supervisors.Add(1)
	go s.supervise(c)
	return nil
}

// supervise waits for c's process to exit and starts it again, until the stack stops. With
// FailFast it reports the first exit on Done instead.
func (s *Stack) supervise(c *child) {
	defer s.supervisors.Done()
	wait := backoff.Backoff{Min: restartMin, Max: restartMax}
	for {
		p := c.current()
		select {
		case <-p.exited:
		case <-s.stopping:
			return
		}
		// Stop closes stopping before it signals anything, so an exit caused by Stop always
		// finds it closed here.
		select {
		case <-s.stopping:
			return
		default:
		}
		// Whatever the process left in its group (e.g. an ffmpeg) goes with it.
		_ = p.signalGroup(syscall.SIGKILL)
		c.setReady(false)
		up := time.Since(p.started)
		exit := p.failure("exited: " + p.exitStatus())
		s.recordFailure(exit)
		if s.opts.FailFast {
			s.fail(exit)
			return
		}
		if up >= stableAfter {
			wait.Reset()
		}
		delay, why := wait.Next(), ""
		hold, asked := c.takeHold()
		if hold > delay {
			delay, why = hold, " (held down on request)"
		}
		how := p.exitStatus()
		if asked {
			how += ", stopped with SIGTERM on request"
		}
		s.printf("%s exited (%s) after %s up; restarting in %s%s", c.name, how, roundUp(up), roundUp(delay), why)
		if !s.restart(c, &wait, delay, "restart after the previous process "+exit.Reason) {
			return
		}
	}
}

// restart starts c again after delay, and again after each failed attempt, until one is ready
// (true) or the stack stops (false).
func (s *Stack) restart(c *child, wait *backoff.Backoff, delay time.Duration, note string) bool {
	for {
		select {
		case <-time.After(delay):
		case <-s.stopping:
			return false
		}
		err := s.restartOnce(c, note)
		if err == nil {
			return true
		}
		if errors.Is(err, errStopping) {
			return false
		}
		var perr *ProcessError
		if errors.As(err, &perr) {
			s.recordFailure(perr)
			err = fmt.Errorf("%s (log: %s)", perr.Reason, perr.LogPath)
		}
		delay = wait.Next()
		s.printf("%s restart failed: %v; next try in %s", c.name, err, roundUp(delay))
		note = "restart after a failed restart: " + err.Error()
	}
}

// restartOnce launches c and waits until it is ready; a process that is not ready in time is
// stopped, so that the next attempt starts from nothing.
func (s *Stack) restartOnce(c *child, note string) error {
	probe := c.probe(s.ctx)
	p, err := s.launch(c, note)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.restarts++
	n := c.restarts
	c.mu.Unlock()
	if err := s.waitReady(s.ctx, p, probe); err != nil {
		if !errors.Is(err, errStopping) {
			_ = p.stop(notReadyGrace)
		}
		return err
	}
	c.setReady(true)
	s.printf("%s is back (pid %d, restart %d, ready in %s)", c.name, p.pid(), n, roundUp(time.Since(p.started)))
	return nil
}

func (s *Stack) recordFailure(e *ProcessError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, e)
}

// roundUp keeps durations in human lines short: 200ms, 1.3s, 2m31s.
func roundUp(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	if d < time.Minute {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// ProcessStatus is what the stack knows of one of its programs.
type ProcessStatus struct {
	Name     string
	PID      int  // of the current process
	Ready    bool // the current process passed its readiness check and has not exited since
	Restarts int  // processes started after the first one, ready or not
}

// Status lists the programs of the stack in start order.
func (s *Stack) Status() []ProcessStatus {
	s.mu.Lock()
	children := slices.Clone(s.children)
	s.mu.Unlock()
	out := make([]ProcessStatus, 0, len(children))
	for _, c := range children {
		c.mu.Lock()
		st := ProcessStatus{Name: c.name, Ready: c.ready && c.proc != nil && !c.proc.hasExited(), Restarts: c.restarts}
		if c.proc != nil {
			st.PID = c.proc.pid()
		}
		c.mu.Unlock()
		out = append(out, st)
	}
	return out
}

// Failures lists, oldest first, every exit of a process that Stop did not cause and every
// restart that did not become ready. A run without crashes has none.
func (s *Stack) Failures() []*ProcessError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.failures)
}

// KillFor kills the named process with SIGKILL, as a crash would, and keeps the supervisor from
// restarting it for at least down: a fault to inject, e.g. etcd away for 20 s. name is a process
// name: "etcd", "comment", "comment-2" (see Instances).
func (s *Stack) KillFor(name string, down time.Duration) error {
	c, err := s.running(name)
	if err != nil {
		return err
	}
	defer c.mu.Unlock()
	c.holdUntil = time.Now().Add(down)
	return c.proc.signalGroup(syscall.SIGKILL)
}

// TerminateFor sends SIGTERM to the named process (a graceful stop, as a rollout does) and keeps
// the supervisor from starting it again for at least down; then the supervisor restarts it as
// after a crash and waits until it is ready. It returns once the signal is sent. A process still
// there stopGrace after the signal is killed, as Stop would. Like a KillFor's, the exit is one
// line on Out and one entry of Failures.
func (s *Stack) TerminateFor(name string, down time.Duration) error {
	c, err := s.running(name)
	if err != nil {
		return err
	}
	defer c.mu.Unlock()
	p := c.proc
	// The process alone, as a container runtime signals its first process: what it started (an
	// ffprobe of the gateway) is its to finish; the supervisor kills the rest of the group after
	// the exit.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("devstack: SIGTERM to %s: %w", name, err)
	}
	c.holdUntil, c.stopAsked = time.Now().Add(down), true
	go func() {
		select {
		case <-p.exited:
		case <-time.After(stopGrace):
			s.printf("%s did not stop within %s of SIGTERM; killing it", name, stopGrace)
			_ = p.signalGroup(syscall.SIGKILL)
		}
	}()
	return nil
}

// running finds the named process's child, with its lock held, if its process runs.
func (s *Stack) running(name string) (*child, error) {
	s.mu.Lock()
	i := slices.IndexFunc(s.children, func(c *child) bool { return c.name == name })
	var c *child
	if i >= 0 {
		c = s.children[i]
	}
	s.mu.Unlock()
	if c == nil {
		return nil, fmt.Errorf("devstack: no program named %q", name)
	}
	c.mu.Lock()
	if c.proc == nil || c.proc.hasExited() {
		c.mu.Unlock()
		return nil, fmt.Errorf("devstack: %s is not running", name)
	}
	return c, nil
}
