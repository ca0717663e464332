//go:build linux

package main

import "net/netip"

// conn is everything the loop knows about one client. A blocking server
// keeps this state on a thread's stack; an event loop keeps it here, because
// it leaves each client in the middle of a request and comes back later.
type conn struct {
	fd   int
	tag  uint32 // travels in every epoll event for fd; see connTable
	peer netip.AddrPort

	in       []byte // bytes read but not yet answered
	bodyLeft int64  // body bytes still to skip before the next request starts
	out      []byte // responses the socket has not taken yet

	wantOut   bool // waiting for EPOLLOUT: reading is paused until out drains
	peerDone  bool // the client shut its writing side (EOF, EPOLLRDHUP)
	lastReply bool // the response in out is the last one: close after it
	closing   bool // our FIN is sent; discarding input until the client's FIN
	discarded int  // input thrown away while closing
}

// connTable finds a connection by its descriptor in O(1): descriptors are
// small integers the kernel hands out lowest-free-first, so a slice indexed
// by fd is the natural map.
//
// Each connection also gets a tag that is never reused, carried in the
// spare Pad field of struct epoll_event. A batch from epoll_wait holds at
// most one event per descriptor, and step 2 closes a connection only while
// handling that connection's own event, so here a stale event cannot
// arrive. It can as soon as handling one event may close another
// connection (a timeout, a shutdown: the final server does both): an event
// later in the same batch is then for a closed descriptor, whose number an
// accept in between may even have handed to a new client. The tag tells
// them apart, for the price of a comparison, so the habit starts here.
type connTable struct {
	byFD    []*conn
	lastTag uint32
	open    int
}

func (t *connTable) add(fd int, peer netip.AddrPort) *conn {
	for fd >= len(t.byFD) {
		t.byFD = append(t.byFD, nil)
	}
	t.lastTag++
	c := &conn{fd: fd, tag: t.lastTag, peer: peer}
	t.byFD[fd] = c
	t.open++
	return c
}

// get returns the live connection an event is for, or nil for a stale event.
func (t *connTable) get(fd int, tag uint32) *conn {
	if fd < 0 || fd >= len(t.byFD) {
		return nil
	}
	c := t.byFD[fd]
	if c == nil || c.tag != tag {
		return nil
	}
	return c
}

func (t *connTable) remove(c *conn) {
	if t.byFD[c.fd] == c {
		t.byFD[c.fd] = nil
		t.open--
	}
}

// all lists the open connections, for shutdown.
func (t *connTable) all() []*conn {
	var open []*conn
	for _, c := range t.byFD {
		if c != nil {
			open = append(open, c)
		}
	}
	return open
}
