package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// wireConn is one worker's keep-alive HTTP/1.1 connection. The generators speak HTTP/1.1 on it
// themselves, from request bytes built once per target, so that a request costs the generator no
// allocation and little CPU: on a 2-core machine the generator shares the cores with the server
// it measures, and net/http's client spends several times the CPU per request that this does.
// A connection that fails is closed and dialed again for the next request.
type wireConn struct {
	addr    string
	timeout time.Duration
	conn    net.Conn
	r       *bufio.Reader
	body    []byte
	stop    func() bool // unregisters the context hook of the current connection
}

func newWireConn(addr string, timeout time.Duration) *wireConn {
	return &wireConn{addr: addr, timeout: timeout}
}

// errTooLarge stops reading an answer that no endpoint of the contract could give.
var errTooLarge = errors.New("answer larger than 64 MiB")

const maxBody = 64 << 20

// do sends request (complete HTTP/1.1 request bytes) and reads the answer. The body it returns is
// valid until the next call.
func (w *wireConn) do(ctx context.Context, request []byte) (status int, body []byte, err error) {
	if w.conn == nil {
		if err := w.dial(ctx); err != nil {
			return 0, nil, err
		}
	}
	if err := w.conn.SetDeadline(time.Now().Add(w.timeout)); err != nil {
		w.close()
		return 0, nil, err
	}
	if _, err := w.conn.Write(request); err != nil {
		w.close()
		return 0, nil, err
	}
	status, body, keep, err := readAnswer(w.r, w.body[:0])
	w.body = body
	if err != nil || !keep {
		w.close()
	}
	return status, body, err
}

func (w *wireConn) dial(ctx context.Context) error {
	d := net.Dialer{Timeout: min(w.timeout, 5*time.Second), KeepAlive: 30 * time.Second}
	c, err := d.DialContext(ctx, "tcp", w.addr)
	if err != nil {
		return err
	}
	w.conn = c
	if w.r == nil {
		w.r = bufio.NewReaderSize(c, 16<<10)
	} else {
		w.r.Reset(c)
	}
	// An interrupted run must not wait for answers: the deadline in the past ends a blocked read.
	w.stop = context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	return nil
}

func (w *wireConn) close() {
	if w.conn != nil {
		w.stop()
		w.conn.Close()
		w.conn = nil
	}
}

// rawRequest is the bytes of a request with no body, every parameter in the URI, as the phone
// sends them.
func rawRequest(method, host, requestURI string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: simple-tiktok-loadtest\r\nAccept: */*\r\n", method, requestURI, host)
	if method != "GET" && method != "HEAD" {
		b.WriteString("Content-Length: 0\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// readAnswer reads one HTTP/1.1 answer from r, its body appended to buf: with a Content-Length,
// chunked, or (without either) up to the end of the connection. keep says whether the connection
// can carry the next request.
func readAnswer(r *bufio.Reader, buf []byte) (status int, body []byte, keep bool, err error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return 0, buf, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, buf, false, fmt.Errorf("not an HTTP/1.x status line: %q", trimEOL(line))
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, buf, false, fmt.Errorf("bad status code in %q", trimEOL(line))
	}
	keep = line[7] == '1' // HTTP/1.1 keeps the connection unless told otherwise
	length, chunked := -1, false
	for {
		line, err = r.ReadSlice('\n')
		if err != nil {
			return status, buf, false, err
		}
		h := trimEOL(line)
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return status, buf, false, fmt.Errorf("bad header line %q", h)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return status, buf, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				keep = false
			} else if bytes.EqualFold(value, []byte("keep-alive")) {
				keep = true
			}
		}
	}
	switch {
	case status/100 == 1 || status == 204 || status == 304:
		return status, buf, keep, nil
	case chunked:
		buf, err = readChunked(r, buf)
		return status, buf, keep && err == nil, err
	case length >= 0:
		if length > maxBody {
			return status, buf, false, errTooLarge
		}
		buf = grow(buf, length)
		_, err = io.ReadFull(r, buf[len(buf)-length:])
		return status, buf, keep && err == nil, err
	}
	// Neither length nor chunks: the body runs to the end of the connection.
	var rest bytes.Buffer
	_, err = rest.ReadFrom(io.LimitReader(r, maxBody))
	return status, append(buf, rest.Bytes()...), false, err
}

func readChunked(r *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return buf, err
		}
		sizeText, _, _ := bytes.Cut(trimEOL(line), []byte(";"))
		size, err := strconv.ParseInt(string(bytes.TrimSpace(sizeText)), 16, 64)
		if err != nil || size < 0 || int64(len(buf))+size > maxBody {
			return buf, fmt.Errorf("bad chunk size %q", trimEOL(line))
		}
		if size == 0 {
			for { // trailers, up to the blank line
				line, err = r.ReadSlice('\n')
				if err != nil {
					return buf, err
				}
				if len(trimEOL(line)) == 0 {
					return buf, nil
				}
			}
		}
		buf = grow(buf, int(size))
		if _, err := io.ReadFull(r, buf[len(buf)-int(size):]); err != nil {
			return buf, err
		}
		if line, err = r.ReadSlice('\n'); err != nil || len(trimEOL(line)) != 0 {
			return buf, fmt.Errorf("chunk not followed by CRLF")
		}
	}
}

// grow extends buf by n bytes, reusing its capacity.
func grow(buf []byte, n int) []byte {
	if need := len(buf) + n; need > cap(buf) {
		bigger := make([]byte, len(buf), max(need, 2*cap(buf)))
		copy(bigger, buf)
		buf = bigger
	}
	return buf[:len(buf)+n]
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}
