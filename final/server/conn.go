//go:build linux

package server

import (
	"net/netip"

	"epollhttp/step3-parse/httpparse"
)

// conn is one client connection. An idle connection holds only this struct:
// its input and output buffers and its parser come from the loop's pools
// when bytes arrive and go back as soon as nothing is pending, which is
// what keeps ten thousand idle connections cheap.
type conn struct {
	fd   int
	tag  uint32 // carried in every epoll event for fd: see connTable
	peer netip.AddrPort

	in     *buffer            // unparsed input; nil when idle
	parser *httpparse.Parser  // nil between requests
	body   []byte             // a body gathered from several reads
	bodyAt []byte             // a body still in place in the input
	out    *output            // responses not yet written; nil when all sent
	head   *httpparse.Request // the request whose head is parsed, or nil
	headAt int                // where that head begins in in.b

	watching   uint32 // the epoll events asked for now
	peerClosed bool   // the client shut its writing side (end of file)
	lastReply  bool   // the response queued last closes the connection
	closing    bool   // our FIN is sent; waiting for the client's
	requests   int    // requests answered on this connection

	// Timers (timers.go): at most one deadline runs at a time.
	timer        *timeoutList
	deadline     int64 // monotonic nanoseconds
	timedRequest int   // c.requests when the clock started: whose clock it is
	prev, next   *conn
	unsentMark   int // bytes in the socket when the write clock started
	lingerBytes  int // input discarded while closing
}

// busy reports whether the connection is in the middle of something: a
// partial request, or output the socket has not taken.
func (c *conn) busy() bool {
	return (c.in != nil && c.in.len() > 0) || c.head != nil || c.out != nil
}

// connTable finds a connection by descriptor in O(1): the kernel hands out
// the lowest free numbers, so a slice indexed by fd is dense. Each new
// connection also gets a tag, never reused, that travels in its epoll
// events; an event whose tag does not match belongs to a connection closed
// earlier in the same epoll_wait batch whose number has been reused, and is
// dropped (step 2 explains the trap).
type connTable struct {
	byFD    []*conn
	lastTag uint32
	free    freeList[*conn] // closed conns kept for reuse, so accepting allocates nothing
}

func (t *connTable) add(fd int, peer netip.AddrPort) *conn {
	for fd >= len(t.byFD) {
		t.byFD = append(t.byFD, nil)
	}
	c, ok := t.free.take()
	if !ok {
		c = new(conn)
	}
	t.lastTag++
	*c = conn{fd: fd, tag: t.lastTag, peer: peer}
	t.byFD[fd] = c
	return c
}

func (t *connTable) get(fd int, tag uint32) *conn {
	if fd < 0 || fd >= len(t.byFD) {
		return nil
	}
	if c := t.byFD[fd]; c != nil && c.tag == tag {
		return c
	}
	return nil
}

func (t *connTable) remove(c *conn) {
	if t.byFD[c.fd] == c {
		t.byFD[c.fd] = nil
	}
	*c = conn{fd: -1}
	t.free.give(c, 1024)
}

// each calls f for every open connection.
func (t *connTable) each(f func(*conn)) {
	for _, c := range t.byFD {
		if c != nil {
			f(c)
		}
	}
}
