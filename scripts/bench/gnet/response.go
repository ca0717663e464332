package main

import (
	"bytes"
	"strconv"
	"sync/atomic"
	"time"
)

// The benchmark's route answers what final's /plaintext answers, field for
// field: Server, Date, Content-Type, Content-Length.
const plaintextBody = "Hello, World!"

var (
	pathPlaintext = []byte("/plaintext")
	methodGet     = []byte("GET")
	methodHead    = []byte("HEAD")
)

// date holds the Date field's value, formatted once a second by tick
// rather than for every response (RFC 9110 §6.6.1: the second is its
// resolution). An atomic pointer, because gnet calls OnTick from a
// goroutine of its own, not from the event loop.
var date atomic.Pointer[[]byte]

func tick(now time.Time) {
	b := now.UTC().AppendFormat(nil, "Mon, 02 Jan 2006 15:04:05 GMT")
	date.Store(&b)
}

// appendResponse appends the answer to req to out.
func appendResponse(out []byte, req request) []byte {
	switch {
	case !bytes.Equal(req.path, pathPlaintext):
		return appendMessage(out, 404, req, "", "not found\n")
	case bytes.Equal(req.method, methodGet), bytes.Equal(req.method, methodHead):
		return appendMessage(out, 200, req, "", plaintextBody)
	default:
		// RFC 9110 §15.5.6: 405 lists the methods the resource allows.
		return appendMessage(out, 405, req, "Allow: GET, HEAD\r\n", "method not allowed\n")
	}
}

// appendError appends the answer to a request the splitter refused; the
// connection closes after it.
func appendError(out []byte, status int) []byte {
	return appendMessage(out, status, request{close: true}, "", statusText(status)+"\n")
}

// appendMessage appends a response: the status line, the fields (extra is
// more of them, each ending in CRLF), and body, except to HEAD (RFC 9110
// §9.3.2: HEAD gets GET's fields, Content-Length included, and no content).
func appendMessage(out []byte, status int, req request, extra, body string) []byte {
	out = append(out, "HTTP/1.1 "...)
	out = strconv.AppendInt(out, int64(status), 10)
	out = append(out, ' ')
	out = append(out, statusText(status)...)
	out = append(out, "\r\nServer: gnet\r\nDate: "...)
	out = append(out, *date.Load()...)
	out = append(out, "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(len(body)), 10)
	out = append(out, "\r\n"...)
	out = append(out, extra...)
	switch {
	case req.close:
		out = append(out, "Connection: close\r\n"...)
	case req.http10:
		out = append(out, "Connection: keep-alive\r\n"...)
	}
	out = append(out, "\r\n"...)
	if bytes.Equal(req.method, methodHead) {
		return out
	}
	return append(out, body...)
}

func statusText(status int) string {
	switch status {
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 413:
		return "Content Too Large"
	case 431:
		return "Request Header Fields Too Large"
	case 501:
		return "Not Implemented"
	case 505:
		return "HTTP Version Not Supported"
	}
	return "Error"
}
