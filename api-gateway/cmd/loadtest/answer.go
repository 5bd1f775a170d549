package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
)

// statusKey is the field every answer of the contract carries; it is the first field the gateway
// writes, and no nested object of the contract has a field of that name.
var statusKey = []byte(`"status_code"`)

// okAnswer says whether an answer counts as served: HTTP 200 and a status_code of 0. Anything else,
// a refusal that is well-formed included, is a non-ok answer: the benchmark drives valid requests.
func okAnswer(httpStatus int, body []byte) bool {
	code, found := statusCode(body)
	return httpStatus == http.StatusOK && found && code == 0
}

// statusCode reads the value of the first "status_code" field of a JSON body without decoding the
// rest of it (the body is decoded only when it is not ok, to say why).
func statusCode(body []byte) (int64, bool) {
	i := bytes.Index(body, statusKey)
	if i < 0 {
		return 0, false
	}
	rest := skipSpace(body[i+len(statusKey):])
	if len(rest) == 0 || rest[0] != ':' {
		return 0, false
	}
	rest = skipSpace(rest[1:])
	end := 0
	for end < len(rest) && (rest[end] == '-' || rest[end] >= '0' && rest[end] <= '9') {
		end++
	}
	// A number goes on to a separator: 0.5 or 1e3 is not a status code.
	if end == 0 || end < len(rest) && !isSeparator(rest[end]) {
		return 0, false
	}
	code, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	return code, err == nil
}

func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

func isSeparator(c byte) bool {
	return c == ',' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// failureReason names why an answer was not ok, in a few words that group alike failures: the
// HTTP status, the business code, or the kind of transport error. It never includes the URL (which
// carries a token).
func failureReason(httpStatus int, body []byte, err error) string {
	if err != nil {
		return "transport: " + errorKind(err)
	}
	if httpStatus != http.StatusOK {
		return fmt.Sprintf("HTTP %d", httpStatus)
	}
	code, found := statusCode(body)
	if !found {
		return "HTTP 200 without status_code"
	}
	return fmt.Sprintf("status_code %d", code)
}

// errorKind reduces a transport error to its kind, so that one cause is counted as one reason.
func errorKind(err error) string {
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed by the server"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Op + " error"
	}
	return "error"
}
