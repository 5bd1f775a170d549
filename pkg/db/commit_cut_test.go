//go:build integration

package db_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/opentracing/opentracing-go"
	"gorm.io/gorm"

	"simpletiktok/pkg/config"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
	"simpletiktok/pkg/errno"
)

// cutter is a TCP proxy in front of MySQL that, when armed with a statement's first word, lets the
// next such statement through and then cuts the connection the moment the server answers it: the
// server has run it (committed, for a COMMIT), and the client never hears so. That is the race of
// a service or its database killed between the commit and its reply, made deterministic.
type cutter struct {
	ln     net.Listener
	server string

	mu    sync.Mutex
	armed []byte // e.g. "COMMIT": the next COM_QUERY starting with it is cut after its answer
}

func newCutter(t *testing.T, server string) *cutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{ln: ln, server: server}
	t.Cleanup(func() { ln.Close() })
	go c.serve()
	return c
}

func (c *cutter) arm(word string) {
	c.mu.Lock()
	c.armed = []byte(word)
	c.mu.Unlock()
}

// take reports whether payload is the armed statement, disarming the cutter if so.
func (c *cutter) take(payload []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	const comQuery = 0x03
	if c.armed == nil || len(payload) == 0 || payload[0] != comQuery || !bytes.HasPrefix(bytes.ToUpper(payload[1:]), c.armed) {
		return false
	}
	c.armed = nil
	return true
}

func (c *cutter) serve() {
	for {
		client, err := c.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", c.server)
		if err != nil {
			client.Close()
			continue
		}
		go c.pipe(client.(*net.TCPConn), server)
	}
}

// pipe forwards the client's packets one by one, watching for the armed statement, and the
// server's bytes as they come, until the statement is answered: then both sides are closed, the
// client's with a reset, and the answer is dropped.
func (c *cutter) pipe(client *net.TCPConn, server net.Conn) {
	var cut sync.Once
	cutting := make(chan struct{})
	go func() {
		defer server.Close()
		head := make([]byte, 4)
		for {
			if _, err := io.ReadFull(client, head); err != nil {
				return
			}
			payload := make([]byte, int(head[0])|int(head[1])<<8|int(head[2])<<16)
			if _, err := io.ReadFull(client, payload); err != nil {
				return
			}
			if c.take(payload) {
				cut.Do(func() { close(cutting) })
			}
			if _, err := server.Write(append(head, payload...)); err != nil {
				return
			}
		}
	}()
	defer client.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := server.Read(buf)
		select {
		case <-cutting:
			_ = client.SetLinger(0)
			return
		default:
		}
		if n > 0 {
			if _, werr := client.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// A transaction whose COMMIT the server ran but whose answer was lost is errno.OutcomeUnknown,
// and its row is there; one cut before its COMMIT was rolled back by the server, is not unknown,
// and left nothing.
func TestCommitWhoseReplyIsLost(t *testing.T) {
	schema := dbtest.Schema(t, "cut")
	direct := dbtest.OpenSchema(t, schema)
	if err := direct.Exec("CREATE TABLE notes (id BIGINT PRIMARY KEY)").Error; err != nil {
		t.Fatal(err)
	}
	base, err := mysql.ParseDSN(dbtest.DSN())
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutter(t, base.Addr)
	viaProxy := base.Clone()
	viaProxy.Addr = proxy.ln.Addr().String()
	gdb, err := db.Open(context.Background(), config.MySQL{DSN: viaProxy.FormatDSN(), Database: schema},
		opentracing.NoopTracer{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := gdb.DB(); err == nil {
			s.Close()
		}
	})
	insert := func(id int64) error {
		return db.InTx(context.Background(), gdb, func(tx *gorm.DB) error {
			return tx.Exec("INSERT INTO notes (id) VALUES (?)", id).Error
		})
	}
	rows := func(id int64) int64 {
		var n int64
		if err := direct.Raw("SELECT COUNT(*) FROM notes WHERE id = ?", id).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}

	proxy.arm("COMMIT")
	err = insert(1)
	if !errors.Is(err, errno.OutcomeUnknown) {
		t.Fatalf("a commit whose answer was lost: %v; want errno.OutcomeUnknown", err)
	}
	if n := rows(1); n != 1 {
		t.Fatalf("the commit whose answer was lost left %d rows; want 1 (the server committed)", n)
	}

	proxy.arm("INSERT")
	err = insert(2)
	if err == nil || errors.Is(err, errno.OutcomeUnknown) {
		t.Fatalf("a transaction cut before its commit: %v; want a plain failure", err)
	}
	if n := rows(2); n != 0 {
		t.Fatalf("the transaction cut before its commit left %d rows; want 0 (rolled back)", n)
	}

	if err := insert(3); err != nil || rows(3) != 1 {
		t.Fatalf("the pool afterwards: %v", err)
	}
}
