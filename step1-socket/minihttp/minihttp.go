//go:build linux

// Package minihttp is the least HTTP a server can speak before it has a real
// parser (step 3): find where a request head ends, and write a complete
// response. Steps 1 and 2 use it.
package minihttp

import (
	"bytes"
	"strconv"
)

// HeadEnd returns the index just past the empty line that ends a request's
// header section, or -1 if it has not all arrived yet. RFC 9112 §2.2 lets a
// server take a bare LF as a line end, so "\n\n" ends the head as well as
// "\r\n\r\n"; that keeps nc without -C working.
func HeadEnd(b []byte) int {
	// exercise 1.2 begin: find the empty line that ends the head
	for i := bytes.IndexByte(b, '\n'); i >= 0; {
		rest := b[i+1:]
		if bytes.HasPrefix(rest, []byte("\r\n")) {
			return i + 3
		}
		if bytes.HasPrefix(rest, []byte("\n")) {
			return i + 2
		}
		next := bytes.IndexByte(rest, '\n')
		if next < 0 {
			return -1
		}
		i += 1 + next
	}
	return -1
	// exercise 1.2 end
}

// AppendResponse appends a complete HTTP/1.1 response to dst: the status
// line (RFC 9112 §4), a Content-Type, the Content-Length that tells the
// client where the body ends (§6.2), "Connection: close" when the server
// will close after it (§9.6), and the body.
func AppendResponse(dst []byte, status, body string, closeAfter bool) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = append(dst, status...)
	dst = append(dst, "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n"...)
	if closeAfter {
		dst = append(dst, "Connection: close\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	return append(dst, body...)
}
