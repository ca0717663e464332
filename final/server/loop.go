//go:build linux

package server

import (
	"runtime"
	"strconv"
	"time"

	"epollhttp/step1-socket/sock"
	"epollhttp/step2-epoll/kit"
	"epollhttp/step2-epoll/poll"
	"epollhttp/step3-parse/httpparse"

	"golang.org/x/sys/unix"
)

// loop is one event loop: one epoll instance, one listening socket (all the
// loops share the port through SO_REUSEPORT), on one OS thread, with every
// connection the kernel hands to that socket. Loops share nothing but the
// Server's few atomic fields, so they need no locks.
type loop struct {
	id       int
	srv      *Server
	cfg      *Config
	handler  Handler
	poller   *poll.Poller
	listenFD int
	waker    *kit.Waker // Shutdown and Close write to it to wake us
	spare    *kit.Spare // a descriptor held for EMFILE (accept.go)
	paused   bool       // not accepting: out of descriptors, even the spare
	pausedAt int64      // when it paused, on the l.now clock

	conns      kit.Table[conn]
	spareConns freeList[*conn] // closed conns kept for reuse, so accepting allocates nothing
	open       int             // connections open on this loop
	inputs     bufferPool      // readSize buffers
	smalls     bufferPool      // smallSize buffers, for connections that wait mid-request
	outputs    outputPool
	parsers    freeList[*httpparse.Parser]
	heldBytes  int64 // bytes held for clients in gathered bodies and grown outputs; new bodies stop at cfg.MaxBodyBuffer

	timers timers
	now    int64 // monotonic nanoseconds, read once per wakeup
	clock  clock

	req  Request        // reused for every request this loop serves
	resp ResponseWriter // likewise

	lastTrim int64 // when the pools were last trimmed

	draining bool  // stop accepting, finish what is in flight
	drainEnd int64 // when draining must end, ready or not
	stopped  bool

	stats   loopStats
	log     accessLog
	errs    *asyncWriter // handler panics and other errors, written off the loop
	trace   *sock.Narrator
	observe func(from state, on event, to state) // tests: every move commit makes
}

// run is the loop itself: sleep in epoll_wait until something is ready or
// the next deadline comes, handle every event, expire timeouts, repeat.
func (l *loop) run() error {
	// One loop, one thread: the epoll instance, its connections and every
	// byte of their state belong to this thread alone.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer l.closeAll()
	l.tick()
	for !l.stopped {
		events, err := l.poller.Wait(l.waitMillis())
		if err != nil {
			return err
		}
		l.tick()
		for i := range events {
			l.handle(events[i])
		}
		l.timers.expire(l.now, l.timeout)
		l.retryAccepting()
		l.trimPools()
		if l.draining {
			l.drainCheck()
		}
		l.log.flush()
	}
	return nil
}

// Pools keep what a busy loop needs and give back what a burst left: once
// a second, half the free buffers above a small floor go.
const (
	trimEvery = int64(time.Second)
	poolFloor = 2
)

func (l *loop) trimPools() {
	if l.now-l.lastTrim < trimEvery {
		return
	}
	l.lastTrim = l.now
	l.inputs.trim(poolFloor)
	l.smalls.trim(poolFloor)
	l.outputs.trim(poolFloor)
	l.spareConns.trim(poolFloor)
	l.parsers.trim(poolFloor)
}

// poolsAboveFloor reports whether trimming still has something to give back.
func (l *loop) poolsAboveFloor() bool {
	return l.inputs.len() > poolFloor || l.smalls.len() > poolFloor || l.outputs.len() > poolFloor ||
		l.parsers.len() > poolFloor || l.spareConns.len() > poolFloor
}

// waitMillis is how long epoll_wait may sleep: until the next timeout, the
// drain deadline while draining, no more than a second while the pools
// have something to give back, and until the next try while accepting is
// paused.
func (l *loop) waitMillis() int {
	wait := l.timers.waitMillis(l.now)
	if l.poolsAboveFloor() {
		wait = sooner(wait, int(trimEvery/int64(time.Millisecond)))
	}
	if l.paused {
		wait = sooner(wait, l.millisUntil(l.pausedAt+retryAcceptEvery))
	}
	if l.draining {
		wait = sooner(wait, l.millisUntil(l.drainEnd))
	}
	return wait
}

// sooner picks the shorter of two epoll_wait timeouts, where -1 is none.
func sooner(wait, other int) int {
	if wait < 0 || other < wait {
		return other
	}
	return wait
}

// millisUntil is the time left until t, rounded up: epoll_wait counts whole
// milliseconds, and waking early would only cost another wait.
func (l *loop) millisUntil(t int64) int {
	return int(max(0, (t-l.now+int64(time.Millisecond)-1)/int64(time.Millisecond)))
}

// tick reads the clocks once per wakeup: the monotonic one for deadlines,
// the wall clock for the Date field and the log.
func (l *loop) tick() {
	now := time.Now()
	l.now = int64(now.Sub(processStart))
	l.clock.update(now)
}

// handle dispatches one event: the listener and the waker have their own
// code; a client's event is worked out by react and applied by commit.
func (l *loop) handle(ev unix.EpollEvent) {
	fd := int(ev.Fd)
	switch fd {
	case l.listenFD:
		l.acceptAll()
		return
	case l.waker.FD():
		l.onWake()
		return
	}
	c := l.conns.Get(fd, uint32(ev.Pad))
	if c == nil {
		l.stats.stale.inc()
		return
	}
	on, next := l.react(c, ev.Events)
	l.commit(c, on, next)
}

// react works out what an epoll event means for c and returns the state it
// leads to. It reads, parses, runs handlers and writes, but never closes c
// nor changes what epoll watches: commit does that.
func (l *loop) react(c *conn, events uint32) (event, state) {
	c.mustBeOpen()
	switch {
	case events&(unix.EPOLLERR|unix.EPOLLHUP) != 0:
		// EPOLLERR: an error is pending, usually ECONNRESET. EPOLLHUP:
		// both directions are shut. No one is left to read an answer.
		return evHangup, stateClosed
	case c.state == stateWriting:
		return evWritable, l.advance(c)
	case c.state == stateLinger:
		return evReadable, l.discard(c)
	default: // EPOLLIN, EPOLLRDHUP
		return evReadable, l.onReadable(c)
	}
}

// timeout is what the timer lists call for a connection whose clock ran out.
func (l *loop) timeout(c *conn, kind timerKind) {
	l.commit(c, evTimeout, l.onTimeout(c, kind))
}

// closeAll closes everything the loop holds; the loop has ended, or never
// ran.
func (l *loop) closeAll() {
	l.conns.Each(func(_ int, c *conn) { l.commit(c, evStop, stateClosed) })
	l.closeListener()
	if l.waker != nil {
		l.waker.Close()
	}
	if l.spare != nil {
		l.spare.Close()
	}
	if l.poller != nil {
		l.poller.Close()
	}
	l.log.flush()
}

func (l *loop) closeListener() {
	if l.listenFD >= 0 {
		l.closeFD(l.listenFD)
		l.listenFD = -1
	}
}

// closeFD closes a descriptor the loop owns, and tells -trace.
func (l *loop) closeFD(fd int) {
	err := unix.Close(fd)
	if l.trace.On() {
		l.trace.Call("close("+strconv.Itoa(fd)+")", 0, err)
	}
}
