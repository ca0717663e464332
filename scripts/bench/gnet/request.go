package main

import (
	"bytes"
	"errors"
)

// Limits of the splitter. The benchmark's requests are under 100 bytes and
// carry no body; these only keep a stray client from growing the buffer.
const (
	maxHead = 8 << 10
	maxBody = 1 << 20
)

// request is what a response needs to know about the request it answers.
type request struct {
	method []byte
	path   []byte // the target without its query
	close  bool   // the connection ends after the response
	http10 bool   // an HTTP/1.0 client, told when the connection stays
}

// errIncomplete means the buffer holds only part of a request: wait for
// more bytes.
var errIncomplete = errors.New("incomplete request")

// statusError is a request the splitter refuses; the server answers it
// with this status and closes the connection.
type statusError int

func (e statusError) Error() string { return statusText(int(e)) }

var (
	crlf     = []byte("\r\n")
	headEnd  = []byte("\r\n\r\n")
	http11   = []byte("HTTP/1.1")
	http10   = []byte("HTTP/1.0")
	tokClose = []byte("close")
	tokAlive = []byte("keep-alive")
)

// split finds the first request in buf and returns it with the number of
// bytes it takes, body included. It is a splitter, not a parser: it reads
// the request line and the three fields that decide where the request ends
// and whether the connection stays (Connection, Content-Length,
// Transfer-Encoding), and checks nothing else. That is enough for the
// benchmark's requests, keep-alive, pipelined or Connection: close.
func split(buf []byte) (request, int, error) {
	var req request
	end := bytes.Index(buf, headEnd)
	if end < 0 {
		if len(buf) >= maxHead {
			return req, 0, statusError(431)
		}
		return req, 0, errIncomplete
	}
	if end+len(headEnd) > maxHead {
		return req, 0, statusError(431)
	}
	head := buf[:end+len(crlf)] // every line of the head ends in CRLF
	eol := bytes.Index(head, crlf)
	line, fields := head[:eol], head[eol+len(crlf):]

	// RFC 9112 §3: request-line = method SP request-target SP HTTP-version.
	sp1 := bytes.IndexByte(line, ' ')
	sp2 := bytes.LastIndexByte(line, ' ')
	if sp1 <= 0 || sp2 <= sp1+1 {
		return req, 0, statusError(400)
	}
	req.method, req.path = line[:sp1], line[sp1+1:sp2]
	if q := bytes.IndexByte(req.path, '?'); q >= 0 {
		req.path = req.path[:q]
	}
	version := line[sp2+1:]
	if !bytes.Equal(version, http11) && !bytes.Equal(version, http10) {
		return req, 0, statusError(505)
	}

	bodyLen, keepAlive := -1, false
	for len(fields) > 0 {
		eol := bytes.Index(fields, crlf)
		field := fields[:eol]
		fields = fields[eol+len(crlf):]
		colon := bytes.IndexByte(field, ':')
		if colon <= 0 {
			return req, 0, statusError(400)
		}
		name, value := field[:colon], bytes.TrimSpace(field[colon+1:])
		switch {
		case bytes.EqualFold(name, []byte("Connection")):
			// RFC 9112 §9.6: "close" in Connection ends the connection after
			// this response.
			req.close = req.close || tokenIn(value, tokClose)
			keepAlive = keepAlive || tokenIn(value, tokAlive)
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, ok := parseLength(value)
			// RFC 9112 §6.3: several Content-Length fields that disagree
			// make the request's end unknowable.
			if !ok || (bodyLen >= 0 && n != bodyLen) {
				return req, 0, statusError(400)
			}
			if n > maxBody {
				return req, 0, statusError(413)
			}
			bodyLen = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			// RFC 9112 §6.1: a server that does not decode a transfer coding
			// answers 501 and closes. This splitter decodes none.
			return req, 0, statusError(501)
		}
	}
	if req.http10 = bytes.Equal(version, http10); req.http10 && !keepAlive {
		// RFC 9112 §9.3: an HTTP/1.0 connection closes unless the client
		// asked for keep-alive.
		req.close = true
	}
	n := end + len(headEnd) + max(bodyLen, 0)
	if len(buf) < n {
		return req, 0, errIncomplete
	}
	return req, n, nil
}

// tokenIn reports whether the comma-separated list holds tok, compared
// without regard to case (RFC 9110 §7.6.1: connection options).
func tokenIn(list, tok []byte) bool {
	for len(list) > 0 {
		item := list
		if comma := bytes.IndexByte(list, ','); comma >= 0 {
			item, list = list[:comma], list[comma+1:]
		} else {
			list = nil
		}
		if bytes.EqualFold(bytes.TrimSpace(item), tok) {
			return true
		}
	}
	return false
}

// parseLength reads a Content-Length value: digits only (RFC 9110 §8.6).
// A value past maxBody comes back as maxBody+1, so that no length
// overflows and the caller's limit still refuses it.
func parseLength(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = min(n*10+int(c-'0'), maxBody+1)
	}
	return n, true
}
