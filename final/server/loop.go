//go:build linux

package server

import (
	"runtime"
	"time"

	"epollhttp/step1-socket/sock"
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
	wakeFD   int   // eventfd: Shutdown and Close write to it to wake us
	spareFD  int   // held for EMFILE (accept.go)
	paused   bool  // not accepting: out of descriptors, even the spare
	pausedAt int64 // when it paused, on the l.now clock

	conns   connTable
	open    int // connections open on this loop
	inputs  bufferPool
	outputs outputPool
	parsers freeList[*httpparse.Parser]

	timers timers
	now    int64 // monotonic nanoseconds, read once per wakeup
	clock  clock

	req  Request        // reused for every request this loop serves
	resp ResponseWriter // likewise

	lastTrim int64 // when the pools were last trimmed

	draining bool  // stop accepting, finish what is in flight
	drainEnd int64 // when draining must end, ready or not
	stopped  bool

	stats loopStats
	log   accessLog
	trace *sock.Narrator
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
		l.timers.expire(l.now, l.onTimeout)
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
	l.outputs.trim(poolFloor)
	l.conns.free.trim(poolFloor)
	l.parsers.trim(poolFloor)
}

// poolsAboveFloor reports whether trimming still has something to give back.
func (l *loop) poolsAboveFloor() bool {
	return l.inputs.len() > poolFloor || l.outputs.len() > poolFloor ||
		l.parsers.len() > poolFloor || l.conns.free.len() > poolFloor
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

// handle dispatches one event.
func (l *loop) handle(ev unix.EpollEvent) {
	fd := int(ev.Fd)
	switch fd {
	case l.listenFD:
		l.acceptAll()
		return
	case l.wakeFD:
		l.onWake()
		return
	}
	c := l.conns.get(fd, uint32(ev.Pad))
	if c == nil {
		l.stats.stale.inc()
		return
	}
	switch {
	case ev.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0:
		// EPOLLERR: an error is pending, usually ECONNRESET. EPOLLHUP:
		// both directions are shut. No one is left to read an answer.
		l.closeConn(c)
	case ev.Events&unix.EPOLLOUT != 0:
		l.onWritable(c)
	case c.closing:
		l.discardInput(c)
	default: // EPOLLIN, EPOLLRDHUP
		l.onReadable(c)
	}
}

// watch sets what epoll reports for c, with one epoll_ctl only when it
// changes: EPOLLIN while reading requests, EPOLLOUT while the socket is full
// (and reading is paused, so a client that does not read cannot make us
// buffer without end).
func (l *loop) watch(c *conn, events uint32) {
	if c.watching == events {
		return
	}
	c.watching = events
	l.stats.epollCtls.inc()
	if events == unix.EPOLLOUT {
		l.stats.outputWaits.inc()
	}
	if err := l.poller.Modify(c.fd, events, c.tag); err != nil {
		l.closeConn(c)
	}
}

// closeConn closes a connection and gives back all it held. There is no
// EPOLL_CTL_DEL first: close(2) removes a descriptor from every epoll
// instance once no other descriptor refers to the same open file (epoll(7),
// Q6), and this server never dups or forks. An event for it already in this
// batch is caught by the tag.
func (l *loop) closeConn(c *conn) {
	if c.timer != nil {
		c.timer.remove(c)
	}
	l.closeFD(c.fd)
	l.releaseInput(c)
	if c.out != nil {
		l.outputs.put(c.out) // closes any file still being sent
		c.out = nil
	}
	l.conns.remove(c)
	l.open--
	l.srv.open.Add(-1)
	l.stats.connsOpen.add(^uint64(0))
	l.stats.closed.inc()
	if l.paused {
		l.resumeAccepting()
	}
}

// releaseInput gives c's input buffer and parser back to the pools.
func (l *loop) releaseInput(c *conn) {
	if c.in != nil {
		l.inputs.put(c.in)
		c.in = nil
	}
	if c.parser != nil {
		c.parser.Reset()
		l.parsers.give(c.parser, maxPooledParsers)
		c.parser = nil
	}
	c.head, c.body, c.bodyAt = nil, nil, nil
}

func (l *loop) getParser() *httpparse.Parser {
	if p, ok := l.parsers.take(); ok {
		return p
	}
	return httpparse.New(l.cfg.Limits)
}

// maxPooledParsers bounds the parsers a loop keeps (a few KiB each).
const maxPooledParsers = 1024

// closeAll closes everything the loop holds; the loop has ended.
func (l *loop) closeAll() {
	l.conns.each(l.closeConn)
	l.closeListener()
	l.srv.wakeMu.Lock()
	l.closeFD(l.wakeFD)
	l.wakeFD = -1
	l.srv.wakeMu.Unlock()
	if l.spareFD >= 0 {
		l.closeFD(l.spareFD)
		l.spareFD = -1
	}
	l.poller.Close()
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
		l.trace.Call("close("+itoa(fd)+")", 0, err)
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
