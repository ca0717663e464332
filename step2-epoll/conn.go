//go:build linux

package main

import "net/netip"

// conn is everything the loop knows about one client. A blocking server
// keeps this state on a thread's stack; an event loop keeps it here, because
// it leaves each client in the middle of a request and comes back later.
// The server finds it by descriptor in a kit.Table (kit/table.go), which
// also gives it its tag.
type conn struct {
	fd   int
	tag  uint32 // travels in every epoll event for fd; kit/table.go says why
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
