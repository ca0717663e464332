//go:build linux

package server

import "golang.org/x/sys/unix"

// Stopping a loop that sleeps in epoll_wait on its own thread: a Go signal
// handler runs on some other goroutine and cannot interrupt that thread, so
// Shutdown and Close write to each loop's eventfd, which the loop watches
// like any client. The loop wakes, reads the server's state, and acts.

// Shutdown stops the server gracefully: each loop stops accepting (closes
// its listener), closes idle connections, lets the requests in flight
// finish (their responses say Connection: close), and ends when its last
// connection is closed or when DrainTimeout has passed. Serve then returns.
func (s *Server) Shutdown() {
	s.draining.Store(true)
	s.wakeAll()
}

// Close stops the server at once: every connection is closed.
func (s *Server) Close() {
	s.stopNow.Store(true)
	s.wakeAll()
}

func (s *Server) wakeAll() {
	one := []byte{1, 0, 0, 0, 0, 0, 0, 0} // eventfd adds an 8-byte counter (host order)
	s.wakeMu.Lock()
	defer s.wakeMu.Unlock()
	for _, l := range s.loops {
		if l.wakeFD >= 0 {
			unix.Write(l.wakeFD, one)
		}
	}
}

func (l *loop) onWake() {
	var counter [8]byte
	n, err := unix.Read(l.wakeFD, counter[:]) // reset the eventfd, or it stays readable
	if l.trace.On() {
		l.trace.Call("read("+itoa(l.wakeFD)+", ..., 8)", n, err)
	}
	switch {
	case l.srv.stopNow.Load():
		l.stopped = true
	case l.srv.draining.Load() && !l.draining:
		l.beginDrain()
	}
}

// beginDrain starts a graceful stop of this loop.
func (l *loop) beginDrain() {
	l.draining = true
	l.drainEnd = l.now + int64(l.cfg.DrainTimeout)
	// Closing the listener stops new connections; any still in its queue
	// are reset by the kernel (other loops' listeners close too).
	l.closeListener()
	l.conns.each(func(c *conn) {
		if !c.busy() && !c.closing {
			l.closeConn(c) // idle keep-alive: nothing in flight, close now
		}
	})
	l.drainCheck()
}

// drainCheck ends the loop once every connection is gone, or at the drain
// deadline, whichever comes first.
func (l *loop) drainCheck() {
	if l.open == 0 || l.now >= l.drainEnd {
		l.stopped = true
	}
}
