//go:build linux

package main

import (
	"fmt"
	"sync/atomic"
)

// counters are the numbers the note reads: how often the loop woke, how much
// each wakeup did. They are atomic only so a test can read them while the
// loop runs; the loop is their one writer.
type counters struct {
	epollWaits  atomic.Uint64 // returns from epoll_wait, EINTR included
	events      atomic.Uint64 // events those returns carried
	accepts     atomic.Uint64 // connections accepted
	reads       atomic.Uint64 // read(2) calls on clients
	readEAGAIN  atomic.Uint64 // ... of which answered EAGAIN: nothing left
	writes      atomic.Uint64 // write(2) calls on clients
	writeEAGAIN atomic.Uint64 // ... of which answered EAGAIN: send buffer full
	epollOut    atomic.Uint64 // times a client was switched to EPOLLOUT
	requests    atomic.Uint64 // requests answered
	closed      atomic.Uint64 // connections closed
	stale       atomic.Uint64 // events dropped: their connection was already closed
	shed        atomic.Uint64 // connections closed at once because of EMFILE
	open        atomic.Int64  // connections open now
	maxBuffered atomic.Int64  // the most bytes one connection ever held (in + out)
}

func (c *counters) noteBuffered(n int) {
	if int64(n) > c.maxBuffered.Load() {
		c.maxBuffered.Store(int64(n))
	}
}

// String is the one line printed at exit; "eagain" counts reads that found
// nothing, the number the level/edge comparison is about.
func (c *counters) String() string {
	return fmt.Sprintf("counters: epoll_wait=%d events=%d accepts=%d reads=%d eagain=%d "+
		"writes=%d write_eagain=%d epollout=%d requests=%d closed=%d stale=%d shed=%d max_buffered=%d",
		c.epollWaits.Load(), c.events.Load(), c.accepts.Load(), c.reads.Load(), c.readEAGAIN.Load(),
		c.writes.Load(), c.writeEAGAIN.Load(), c.epollOut.Load(), c.requests.Load(), c.closed.Load(),
		c.stale.Load(), c.shed.Load(), c.maxBuffered.Load())
}
