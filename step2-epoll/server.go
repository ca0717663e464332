//go:build linux

package main

import (
	"errors"
	"fmt"
	"runtime"

	"epollhttp/step1-socket/minihttp"
	"epollhttp/step1-socket/sock"
	"epollhttp/step2-epoll/kit"
	"epollhttp/step2-epoll/poll"

	"golang.org/x/sys/unix"
)

// outHighWater is how many response bytes one client may have waiting before
// the loop stops reading its requests. Without it, a client that sends
// requests and never reads the answers would grow our memory without end.
const outHighWater = 64 << 10

// lingerBytes bounds how much input we throw away from a client after our
// last response, while waiting for its FIN (see startClosing).
const lingerBytes = 64 << 10

type config struct {
	addr    string
	edge    bool // EPOLLET: edge-triggered
	drain   bool // read until EAGAIN on every wakeup
	bufSize int  // bytes asked for by each read(2)
	backlog int
}

type server struct {
	cfg      config
	trace    *sock.Narrator // prints every syscall with -trace; silent otherwise
	poller   *poll.Poller
	listener *sock.Listener
	waker    *kit.Waker      // an eventfd: stop writes to it to wake the loop
	conns    kit.Table[conn] // the clients, by descriptor, with their tags
	readBuf  []byte
	spare    *kit.Spare // a descriptor held in reserve for EMFILE; see emfile.go
	paused   bool       // accepting is paused until a descriptor frees up
	stopping bool
	counters counters
}

// clientEvents is what we watch a client for while reading its requests:
// readable, and EPOLLRDHUP to hear about a half close without reading.
// Edge mode adds EPOLLET: report each arrival of data once, not "still
// readable" on every epoll_wait.
func (s *server) clientEvents(events uint32) uint32 {
	events |= unix.EPOLLRDHUP
	if s.cfg.edge {
		events |= unix.EPOLLET
	}
	return events
}

func newServer(cfg config, trace *sock.Narrator) (*server, error) {
	s := &server{cfg: cfg, trace: trace, readBuf: make([]byte, cfg.bufSize)}
	var err error
	if s.poller, err = poll.New(128, trace); err != nil {
		return nil, err
	}
	// SOCK_NONBLOCK: accept4 must say EAGAIN when the queue is empty, or
	// "accept until EAGAIN" would put the whole loop to sleep.
	s.listener, err = sock.Listen(trace, cfg.addr, sock.ListenConfig{Backlog: cfg.backlog, ReuseAddr: true, NonBlocking: true})
	if err != nil {
		s.poller.Close()
		return nil, err
	}
	if err = s.setUp(); err != nil {
		s.closeAll()
		return nil, err
	}
	return s, nil
}

func (s *server) setUp() error {
	err := s.poller.Add(s.listener.FD, s.clientEvents(unix.EPOLLIN)&^unix.EPOLLRDHUP, 0)
	if err != nil {
		return fmt.Errorf("watch listener: %w", err)
	}
	// eventfd(2): a counter with a descriptor, so another thread can make
	// epoll_wait return by writing to it. A Go signal handler cannot wake a
	// thread that sleeps in epoll_wait; this can.
	if s.waker, err = kit.NewWaker(s.trace); err != nil {
		return err
	}
	if err = s.poller.Add(s.waker.FD(), unix.EPOLLIN, 0); err != nil {
		return fmt.Errorf("watch eventfd: %w", err)
	}
	s.spare = kit.NewSpare(s.trace)
	return nil
}

// stop may be called from any goroutine, even after the loop has ended: it
// wakes the loop, which then closes everything and returns from serve.
func (s *server) stop() {
	s.waker.Wake()
}

// serve is the event loop: wait for events, handle each, repeat. It runs on
// one OS thread, locked, so strace shows one thread doing all the work.
func (s *server) serve() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer s.closeAll()
	for !s.stopping {
		events, err := s.poller.Wait(-1)
		s.counters.epollWaits.Store(s.poller.Waits.Load())
		if err != nil {
			return err
		}
		s.counters.events.Add(uint64(len(events)))
		for _, ev := range events {
			s.handle(ev)
		}
	}
	return nil
}

// handle dispatches one event to the code for what it is about.
func (s *server) handle(ev unix.EpollEvent) {
	fd := int(ev.Fd)
	switch fd {
	case s.listener.FD:
		s.acceptAll()
		return
	case s.waker.FD():
		s.stopping = true
		return
	}
	c := s.conns.Get(fd, uint32(ev.Pad))
	if c == nil {
		s.counters.stale.Add(1)
		s.trace.Printf("  (event for fd %d dropped: that connection was closed earlier in this batch)", fd)
		return
	}
	switch {
	case ev.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0:
		// EPOLLERR: a pending error, usually ECONNRESET. EPOLLHUP: both
		// directions are shut. Either way nobody can read an answer.
		s.closeConn(c)
	case ev.Events&unix.EPOLLOUT != 0:
		s.writeOut(c)
	default: // EPOLLIN, EPOLLRDHUP
		s.readIn(c)
	}
}

// acceptAll takes every waiting connection: until EAGAIN, which edge mode
// requires (one edge may stand for many connections) and level mode
// tolerates.
func (s *server) acceptAll() {
	// exercise 2.1 begin: take every waiting connection; add each to the table and to epoll
	for !s.paused {
		fd, peer, err := sock.Accept(s.trace, s.listener.FD, unix.SOCK_NONBLOCK)
		switch {
		case err == nil:
			c := &conn{fd: fd, peer: peer}
			c.tag = s.conns.Add(fd, c)
			s.counters.accepts.Add(1)
			s.counters.open.Add(1)
			if err := s.poller.Add(fd, s.clientEvents(unix.EPOLLIN), c.tag); err != nil {
				s.closeConn(c)
			}
		case errors.Is(err, unix.EAGAIN):
			return
		case errors.Is(err, unix.ECONNABORTED):
			// The client gave up while it waited in the queue: take the next.
		case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE):
			if !s.outOfDescriptors() {
				return
			}
		default:
			// ENOBUFS, ENOMEM: the kernel is short of memory. Try again at
			// the next event rather than spin here.
			s.trace.Printf("  accept4: %v", err)
			return
		}
	}
	// exercise 2.1 end
}

// readIn reads what the client sent and answers every complete request.
// Level mode may read once: if bytes are left, the next epoll_wait reports
// the socket again. Edge mode must read until EAGAIN: the next report comes
// only when new bytes arrive, so bytes left behind would wait for ever.
// That is what -drain=false in edge mode shows.
func (s *server) readIn(c *conn) {
	if c.closing {
		s.discardInput(c)
		return
	}
	// exercise 2.2 begin: read once, or until EAGAIN when draining; then flush
	for {
		n, err := sock.Read(s.trace, c.fd, s.readBuf)
		s.counters.reads.Add(1)
		if errors.Is(err, unix.EAGAIN) {
			s.counters.readEAGAIN.Add(1)
			break
		}
		if err != nil {
			// ECONNRESET: the client reset the connection. Nothing to save.
			s.closeConn(c)
			return
		}
		if n == 0 {
			c.peerDone = true // end of file: the client will send no more
			break
		}
		c.in = append(c.in, s.readBuf[:n]...)
		s.answerRequests(c)
		if len(c.out) >= outHighWater {
			// Much output waits: write it before reading more. If the
			// socket takes it all, go on reading; if not, flush below
			// stops reading this client until EPOLLOUT.
			if !s.writeSome(c) {
				return
			}
			if len(c.out) > 0 {
				break
			}
		}
		if !s.cfg.drain || c.lastReply {
			break
		}
	}
	s.flush(c)
	// exercise 2.2 end
}

// answerRequests turns every complete request in c.in into a response in
// c.out, until the input runs out or too much output waits (backpressure).
func (s *server) answerRequests(c *conn) {
	for !c.lastReply && len(c.out) < outHighWater {
		if c.bodyLeft > 0 {
			skip := min(c.bodyLeft, int64(len(c.in)))
			c.in = c.in[:copy(c.in, c.in[skip:])]
			c.bodyLeft -= skip
			if c.bodyLeft > 0 {
				return
			}
			continue
		}
		end := minihttp.HeadEnd(c.in)
		if end < 0 {
			if len(c.in) > maxHeadBytes {
				c.out = appendReply(c.out, requestInfo{status: "431 Request Header Fields Too Large", closeAfter: true})
				c.lastReply = true
			}
			return
		}
		info := inspectHead(c.in[:end])
		c.in = c.in[:copy(c.in, c.in[end:])]
		c.bodyLeft = info.bodyLen
		c.out = appendReply(c.out, info)
		c.lastReply = info.closeAfter
		s.counters.requests.Add(1)
	}
}

// flush writes what waits in c.out, and decides what to watch next. When
// the output drains, requests that waited in c.in for room (answerRequests
// stops at outHighWater) are answered and written in turn: no new bytes may
// ever come to prompt it.
func (s *server) flush(c *conn) {
	s.counters.noteBuffered(len(c.in) + len(c.out))
	s.answerRequests(c) // any that waited while the output was at its cap
	for len(c.out) > 0 {
		s.counters.noteBuffered(len(c.in) + len(c.out))
		if !s.writeSome(c) {
			return // closed
		}
		if len(c.out) > 0 {
			break // the socket is full
		}
		s.answerRequests(c)
	}
	switch {
	case len(c.out) > 0:
		s.waitForRoom(c)
	case c.lastReply:
		s.startClosing(c)
	case c.peerDone:
		s.closeConn(c) // half-closed, every complete request answered
	}
}

// writeSome writes until c.out is empty or the socket is full (EAGAIN).
// It returns false if it had to close the connection.
func (s *server) writeSome(c *conn) bool {
	for len(c.out) > 0 {
		n, err := sock.Write(s.trace, c.fd, c.out)
		s.counters.writes.Add(1)
		if errors.Is(err, unix.EAGAIN) {
			s.counters.writeEAGAIN.Add(1)
			return true
		}
		if err != nil {
			// EPIPE: the client closed and we wrote anyway (Go turned the
			// SIGPIPE into this error). ECONNRESET: it reset. Drop it.
			s.closeConn(c)
			return false
		}
		c.out = c.out[:copy(c.out, c.out[n:])]
	}
	return true
}

// waitForRoom stops reading the client and watches for EPOLLOUT instead:
// the socket's send buffer is full because the client is not reading. We
// keep the rest of the output and read no more requests until it drains.
func (s *server) waitForRoom(c *conn) {
	// exercise 2.3 begin: stop reading, watch for EPOLLOUT
	if c.wantOut {
		return
	}
	c.wantOut = true
	s.counters.epollOut.Add(1)
	if err := s.poller.Modify(c.fd, s.clientEvents(unix.EPOLLOUT)&^unix.EPOLLRDHUP, c.tag); err != nil {
		s.closeConn(c)
	}
	// exercise 2.3 end
}

// writeOut runs when a client blocked on EPOLLOUT has room again.
func (s *server) writeOut(c *conn) {
	// exercise 2.3 begin: on EPOLLOUT, write; once drained, read again
	if !s.writeSome(c) || len(c.out) > 0 {
		return
	}
	// Drained: read again. EPOLL_CTL_MOD checks readiness on the spot, so
	// bytes that arrived while we were not looking are reported even in
	// edge mode. A client that already sent its FIN has nothing to read.
	c.wantOut = false
	if !c.peerDone {
		if err := s.poller.Modify(c.fd, s.clientEvents(unix.EPOLLIN), c.tag); err != nil {
			s.closeConn(c)
			return
		}
	}
	// Requests that arrived while we were blocked are answered right now.
	s.answerRequests(c)
	s.flush(c)
	// exercise 2.3 end
}

// startClosing ends a connection whose last response is written, without
// losing that response: close(2) with unread input sends RST, and an RST can
// make the client drop what it has not read yet. So shutdown(SHUT_WR) sends
// our FIN, and discardInput drops what the client still sends until its FIN
// arrives (kit/linger.go: a lingering close).
func (s *server) startClosing(c *conn) {
	if c.closing {
		return
	}
	c.closing = true
	c.in, c.bodyLeft = nil, 0
	if kit.ShutdownWrite(s.trace, c.fd) != nil || c.peerDone {
		s.closeConn(c)
	}
}

// discardInput reads and drops what a closing client sends, until its FIN,
// an error, or lingerBytes in all: then it closes. Like readIn, it reads
// once per wakeup, or until EAGAIN with -drain.
func (s *server) discardInput(c *conn) {
	for {
		before := c.discarded
		s.counters.reads.Add(1)
		if kit.Discard(s.trace, c.fd, s.readBuf, &c.discarded, lingerBytes) {
			s.closeConn(c)
			return
		}
		if c.discarded == before { // nothing was read: EAGAIN
			s.counters.readEAGAIN.Add(1)
			return
		}
		if !s.cfg.drain {
			return
		}
	}
}

// closeConn removes a client from the interest list, then closes it.
func (s *server) closeConn(c *conn) {
	s.poller.Remove(c.fd)
	sock.Close(s.trace, c.fd)
	s.conns.Remove(c.fd)
	s.counters.closed.Add(1)
	s.counters.open.Add(-1)
	if s.paused {
		s.resumeAccepting()
	}
}

// closeAll releases every descriptor the server holds.
func (s *server) closeAll() {
	s.conns.Each(func(_ int, c *conn) { s.closeConn(c) })
	if s.listener != nil && s.listener.FD >= 0 {
		sock.Close(s.trace, s.listener.FD)
		s.listener.FD = -1
	}
	if s.waker != nil {
		s.waker.Close() // a stop that comes later writes nothing
	}
	if s.spare != nil {
		s.spare.Close()
	}
	if s.poller != nil {
		s.poller.Close()
		s.poller = nil
	}
}
