//go:build linux

package server

import (
	"net/netip"
	"time"

	"epollhttp/step3-parse/httpparse"
)

// Handler answers requests. It runs on the event loop's own thread: while a
// handler runs, that loop serves no one else, so a handler must not block
// (no sleeping, no slow disk or network calls). Work that takes long
// belongs on another goroutine, with the answer handed back to the loop;
// the course's routes all answer at once.
type Handler interface {
	Serve(w *ResponseWriter, r *Request)
}

// HandlerFunc lets an ordinary function be a Handler.
type HandlerFunc func(w *ResponseWriter, r *Request)

func (f HandlerFunc) Serve(w *ResponseWriter, r *Request) { f(w, r) }

// Request is what a handler gets. Every []byte in it is a slice of the
// connection's buffer, valid only until the handler returns: keep a copy
// of anything needed later.
type Request struct {
	Method  []byte
	Target  []byte // as sent: "/a/b?c" or "http://host/a/b?c"
	Path    []byte // the path of the target, still percent-encoded
	Query   []byte // after '?', without it
	Body    []byte
	Remote  netip.AddrPort
	Loop    int                // which event loop serves this connection
	Head    *httpparse.Request // everything the parser found
	Headers []httpparse.Header
	// Date is the time the response's Date field will carry, to the
	// second (RFC 9110 §6.6.1). A handler that sends a time of its own,
	// as Last-Modified, compares it with this one, not with time.Now,
	// which may already be in the next second: §8.8.2.1 forbids a
	// Last-Modified later than the Date.
	Date time.Time
}

// Header returns the first value of a header field (name compared without
// regard to case), or nil.
func (r *Request) Header(name string) []byte {
	v, _ := r.Head.Header(name)
	return v
}

// IsHead reports whether this is a HEAD request: answered like GET, but the
// body is left out (RFC 9110 §9.3.2). The server does that part, and hands
// the handler Method "GET"; IsHead still tells, from the request as sent,
// for a handler that can skip work.
func (r *Request) IsHead() bool { return string(r.Head.Method) == "HEAD" }

// setTarget splits the target into path and query. An absolute-form target
// ("http://host/path?q") gives its path; its authority ends at the first
// '/' or '?' (RFC 3986 §3.2), so "http://host?/x" has the empty path, "/",
// and the query "/x". "*" and CONNECT's host:port have no path.
func (r *Request) setTarget(target []byte) {
	r.Target, r.Path, r.Query = target, nil, nil
	path := target
	if len(path) > 0 && path[0] != '/' {
		path = nil
		if i := indexOf(target, "://"); i >= 0 {
			rest := target[i+3:]
			end := 0
			for end < len(rest) && rest[end] != '/' && rest[end] != '?' {
				end++
			}
			switch {
			case end == len(rest):
				path = rootPath
			case rest[end] == '?':
				path, r.Query = rootPath, rest[end+1:]
			default:
				path = rest[end:]
			}
		}
	}
	if q := indexByte(path, '?'); q >= 0 {
		path, r.Query = path[:q], path[q+1:]
	}
	r.Path = path
}

// rootPath is the path of an absolute URI that has none: a shared slice,
// so that such a target costs no allocation either. Nobody writes to it.
var rootPath = []byte("/")

func indexByte(b []byte, c byte) int {
	for i := range b {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func indexOf(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}
