//go:build linux

package server

import (
	"fmt"
	"net/netip"

	"epollhttp/step3-parse/httpparse"
)

// conn is one client connection. An idle connection holds only this struct:
// its input buffer and its parser come from the loop's pools when bytes
// arrive and go back as soon as nothing is pending, which is what keeps ten
// thousand idle connections cheap.
type conn struct {
	fd       int
	tag      uint32 // carried in every epoll event for fd: see kit.Table
	watching uint32 // the epoll events asked for now
	peer     netip.AddrPort

	state      state     // changed by commit alone (lifecycle.go)
	peerClosed bool      // the client shut its writing side (end of file): a fact no state implies
	ending     closeMode // whether the response queued last ends the connection, and how
	headAt     int32     // where the head in flight begins in in.b

	in     *buffer            // unparsed input (and the head in flight); nil when idle
	parser *httpparse.Parser  // nil between requests
	head   *httpparse.Request // the request whose head is parsed, or nil
	out    *output            // responses not yet written; nil when all sent
	body   []byte             // a body gathered from several reads, grown as bytes arrive
	bodyAt []byte             // a body still in place in the input

	// Timers (timers.go): at most one clock runs at a time.
	timer        *timeoutList
	prev, next   *conn
	deadline     int64  // monotonic nanoseconds
	requests     uint32 // requests answered on this connection
	timedRequest uint32 // c.requests when the clock started: whose clock it is
	unsentMark   int32  // bytes in the socket when the write clock started
	lingerBytes  int32  // input discarded while lingering
	bodyHeld     int64  // what the body being gathered counts against the loop's budget
}

// An idle connection is this struct alone (and its entry in the table):
// its fields are ordered and sized so that it fills a 192-byte allocation
// exactly, which notes/06 measures at ten thousand connections.

// closeMode is how a connection ends once its last response is out.
type closeMode uint8

const (
	stayOpen       closeMode = iota // keep-alive
	closeAsAsked                    // the client said it sends no more (Connection: close, HTTP/1.0)
	closeAndLinger                  // the server ends it: the client may still be sending
)

// strict turns on the engine's self-checks: every move of commit is checked
// against the transitions table, the invariants of each state are checked
// after it, a closed conn panics when touched, and closed conns are not
// reused (so that a stale pointer stays detectably closed). The tests turn
// it on; it costs a map lookup per event, so the server leaves it off.
var strict = false

// mustBeOpen panics, in strict mode, on any use of a closed connection.
func (c *conn) mustBeOpen() {
	if strict && c.state == stateClosed {
		panic(fmt.Sprintf("server: use of a closed connection (fd was %d)", c.fd))
	}
}

var allowed = func() map[transition]bool {
	m := map[transition]bool{}
	for _, t := range transitions {
		m[transition{from: t.from, on: t.on, to: t.to}] = true
	}
	return m
}()

func mustBeAllowed(from state, on event, to state) {
	if !allowed[transition{from: from, on: on, to: to}] {
		panic(fmt.Sprintf("server: undeclared transition %v --%v--> %v", from, on, to))
	}
}

// checkInvariants panics, in strict mode, when c's epoll interest or its
// clock is not what its state says.
func (l *loop) checkInvariants(c *conn) {
	rule := stateRules[c.state]
	want := rule.events
	if c.peerClosed {
		want &^= reading
	}
	if c.watching != want {
		panic(fmt.Sprintf("server: %v connection watches %#x, want %#x", c.state, c.watching, want))
	}
	list := l.timers.list(rule.timer)
	if (list != nil && list.length > 0) != (c.timer != nil) || (c.timer != nil && c.timer != list) {
		panic(fmt.Sprintf("server: %v connection on the %s list", c.state, c.timer.nameOrNone()))
	}
	if (c.state == stateWriting) != (c.out != nil) {
		panic(fmt.Sprintf("server: %v connection, output queued: %v", c.state, c.out != nil))
	}
}

func (l *loop) newConn(fd int, peer netip.AddrPort) *conn {
	c, ok := l.spareConns.take()
	if !ok {
		c = new(conn)
	}
	*c = conn{fd: fd, peer: peer}
	c.tag = l.conns.Add(fd, c)
	return c
}

// freeConn keeps a closed conn struct for the next accept, so accepting
// allocates nothing; in strict mode it is left closed for ever instead.
func (l *loop) freeConn(c *conn) {
	if strict {
		return
	}
	*c = conn{fd: -1, state: stateClosed}
	l.spareConns.give(c, maxSpareConns)
}

const maxSpareConns = 1024
