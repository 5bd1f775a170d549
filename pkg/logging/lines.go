package logging

import (
	"io"
	"sync"
	"time"
)

// Lines is the writer of a logger that writes a line for every request: it gathers the lines and
// hands them to the underlying writer in blocks, when size bytes wait or every interval, whichever
// comes first, so that a line costs a copy rather than a system call of its own (and a read of its
// own in whatever reads the pipe). A line waits at most interval; Close writes what waits, so
// only a process that dies without closing loses lines, at most interval's worth. A logger for
// errors should not use it: an error line is the one wanted when the process dies.
type Lines struct {
	mu   sync.Mutex
	w    io.Writer
	buf  []byte
	size int
	err  error // the first error the underlying writer returned; later writes return it

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// NewLines returns a Lines over w that writes when size bytes wait, or every interval.
func NewLines(w io.Writer, size int, interval time.Duration) *Lines {
	l := &Lines{w: w, buf: make([]byte, 0, size), size: size, stop: make(chan struct{}), done: make(chan struct{})}
	go l.tick(interval)
	return l
}

// Write keeps p (a logger writes whole lines) to be written with the next block. A line larger
// than the block is written at once, after what waits.
func (l *Lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return 0, l.err
	}
	if len(l.buf)+len(p) > l.size {
		if err := l.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > l.size {
			if _, err := l.w.Write(p); err != nil {
				l.err = err
				return 0, err
			}
			return len(p), nil
		}
	}
	l.buf = append(l.buf, p...)
	return len(p), nil
}

// Flush writes what waits.
func (l *Lines) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.flushLocked()
}

// Close stops the timer and writes what waits. Lines written after Close are written at once.
func (l *Lines) Close() error {
	l.once.Do(func() {
		close(l.stop)
		<-l.done
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.size = 0 // from now on every line goes straight through
	return l.flushLocked()
}

func (l *Lines) flushLocked() error {
	if l.err != nil || len(l.buf) == 0 {
		return l.err
	}
	_, err := l.w.Write(l.buf)
	l.buf = l.buf[:0]
	if err != nil {
		l.err = err
	}
	return err
}

func (l *Lines) tick(interval time.Duration) {
	defer close(l.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			_ = l.Flush()
		}
	}
}
