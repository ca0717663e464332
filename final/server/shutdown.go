//go:build linux

package server

// Stopping a loop that sleeps in epoll_wait on its own thread: a Go signal
// handler runs on some other goroutine and cannot interrupt that thread, so
// Shutdown and Close write to each loop's eventfd (step 2's kit.Waker),
// which the loop watches like any client. The loop wakes, reads the
// server's state, and acts.

// Shutdown stops the server gracefully: each loop stops accepting (closes
// its listener), closes idle connections, and lets the requests in flight
// finish: their responses say Connection: close, and a kept-alive
// connection whose response is out is closed as soon as it is. A loop ends
// when its last connection is gone, or when DrainTimeout has passed,
// whichever comes first. Serve then returns.
func (s *Server) Shutdown() {
	s.draining.Store(true)
	s.wakeAll()
}

// Close stops the server at once: every connection is closed. Before Serve
// (or without it), it releases every descriptor New opened.
func (s *Server) Close() {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	switch s.phase {
	case phaseNew:
		s.phase = phaseClosed
		s.closeLoops()
		s.logs.close()
	case phaseServing:
		s.stopNow.Store(true)
		s.wakeAll()
	}
}

func (s *Server) wakeAll() {
	for _, l := range s.loops {
		l.waker.Wake()
	}
}

func (l *loop) onWake() {
	l.waker.Clear()
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
	l.conns.Each(func(_ int, c *conn) {
		// Nothing in flight: a kept-alive connection between requests, or
		// one that has not sent a byte yet. Close it now. The others are
		// closed as their last response goes out (afterOutput).
		if c.state == stateIdle || (c.state == stateHead && c.in == nil) {
			l.commit(c, evDrain, stateClosed)
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
