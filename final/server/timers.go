//go:build linux

package server

import (
	"time"

	"golang.org/x/sys/unix"
)

// Timeouts without a timer per connection. Every timeout of one kind has the
// same length, so a connection whose clock starts now expires after every
// connection already waiting: appending to the end of a list keeps the list
// in deadline order without ever sorting it. The front of each list is the
// next to expire; epoll_wait sleeps until the earliest front. Starting,
// stopping and checking a timeout are all O(1), and a connection pays two
// pointers and one deadline, whatever the number of connections.
//
// A heap would handle timeouts of any length at O(log n) each; a timing
// wheel at O(1) with coarser precision; a timerfd per connection would cost
// a descriptor and a syscall each. With five fixed lengths, lists are
// simpler than all three (notes/05-hardening.md compares them).

// timeoutList holds connections waiting on one kind of timeout.
type timeoutList struct {
	name       string
	length     int64 // nanoseconds; 0 or less: this timeout is off
	head, tail *conn
}

// start (re)starts c's clock on this list, moving it to the back.
func (t *timeoutList) start(c *conn, now int64) {
	if c.timer != nil {
		c.timer.remove(c)
	}
	if t.length <= 0 {
		return
	}
	c.timer, c.deadline, c.timedRequest = t, now+t.length, c.requests
	c.prev, c.next = t.tail, nil
	if t.tail != nil {
		t.tail.next = c
	} else {
		t.head = c
	}
	t.tail = c
}

// keep puts c on this list unless it is already there for the same
// request, so the clock runs from the request's first byte, not its last:
// a slowloris client that sends one byte at a time must not be able to
// push its header deadline back. A request answered since the clock
// started means a new request: on a pipelined connection each one gets its
// own time, however long the stream of them lasts.
func (t *timeoutList) keep(c *conn, now int64) {
	if c.timer != t || c.timedRequest != c.requests {
		t.start(c, now)
	}
}

func (t *timeoutList) remove(c *conn) {
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		t.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		t.tail = c.prev
	}
	c.timer, c.prev, c.next = nil, nil, nil
}

// timers are the loop's timeout lists, one per kind.
type timers struct {
	idle   timeoutList // keep-alive: no request under way
	header timeoutList // a request head has begun and must finish in time
	body   timeoutList // the head is done, the body must finish in time
	write  timeoutList // the client is not taking our output
	linger timeoutList // our FIN is sent; waiting for the client's
}

func newTimers(cfg *Config) timers {
	return timers{
		idle:   timeoutList{name: "idle", length: int64(cfg.IdleTimeout)},
		header: timeoutList{name: "header", length: int64(cfg.HeaderTimeout)},
		body:   timeoutList{name: "body", length: int64(cfg.BodyTimeout)},
		write:  timeoutList{name: "write", length: int64(cfg.WriteTimeout)},
		linger: timeoutList{name: "linger", length: int64(lingerTime)},
	}
}

// lingerTime bounds how long a closing connection waits for the client's FIN.
const lingerTime = 2 * time.Second

func (ts *timers) lists() [5]*timeoutList {
	return [5]*timeoutList{&ts.idle, &ts.header, &ts.body, &ts.write, &ts.linger}
}

// waitMillis is how long epoll_wait may sleep: until the earliest deadline,
// rounded up so we never wake a hair too early and sleep again, or -1 when
// nothing is waiting.
func (ts *timers) waitMillis(now int64) int {
	earliest := int64(-1)
	for _, t := range ts.lists() {
		if t.head != nil && (earliest < 0 || t.head.deadline < earliest) {
			earliest = t.head.deadline
		}
	}
	if earliest < 0 {
		return -1
	}
	if earliest <= now {
		return 0
	}
	return int((earliest - now + int64(time.Millisecond) - 1) / int64(time.Millisecond))
}

// expire calls fire for every connection whose deadline has passed.
func (ts *timers) expire(now int64, fire func(*conn, *timeoutList)) {
	for _, t := range ts.lists() {
		for t.head != nil && t.head.deadline <= now {
			c := t.head
			t.remove(c)
			fire(c, t)
		}
	}
}

// rearmTimer puts c on the list its state calls for, after a batch of work.
func (l *loop) rearmTimer(c *conn) {
	ts := &l.timers
	switch {
	case c.out != nil:
		ts.write.keep(c, l.now)
	case c.closing:
		ts.linger.keep(c, l.now)
	case c.head != nil:
		ts.body.keep(c, l.now)
	case (c.in != nil && c.in.len() > 0) || c.requests == 0:
		ts.header.keep(c, l.now) // a head under way, or the first one still owed
	default:
		ts.idle.start(c, l.now) // a new idle period starts after each answer
	}
}

// onTimeout ends a connection whose deadline passed. A client that was
// slow to send its request gets 408 Request Timeout first (RFC 9110
// §15.5.9); an idle keep-alive connection, a client that does not read and
// a close that lingered are just closed.
func (l *loop) onTimeout(c *conn, t *timeoutList) {
	if t == &l.timers.write && l.stillReading(c) {
		return
	}
	l.stats.timeouts.inc()
	if l.trace.On() {
		l.trace.Printf("%s timeout: fd %d", t.name, c.fd)
	}
	if t == &l.timers.body || (t == &l.timers.header && c.in != nil && c.in.len() > 0) {
		// 408 for a request that began and did not finish. A client that
		// sent nothing at all just sees the connection closed.
		l.queueError(c, 408, "the request took too long to arrive")
		l.flush(c)
		return
	}
	l.closeConn(c)
}

// processStart is the origin of l.now: deadlines are nanoseconds since the
// process started, on the monotonic clock (never set back, unlike the wall
// clock).
var processStart = time.Now()

// The write timeout is for a client that takes none of our output. Its
// clock starts each time the socket is full (EAGAIN), and epoll says
// EPOLLOUT only when a third of the socket's send buffer is free again;
// with the megabytes Linux gives a loopback or fast connection, a client
// that reads slowly but steadily can take longer than the timeout to free
// that much. So when the clock runs out, the loop asks the kernel how many
// bytes still wait in the socket (SIOCOUTQ, tcp(7)): fewer than when the
// clock started means the client is reading, and the clock starts again.

// startWriteClock starts the write timeout and notes what the socket holds.
func (l *loop) startWriteClock(c *conn) {
	l.timers.write.start(c, l.now)
	c.unsentMark = l.unsentBytes(c.fd)
}

// stillReading reports whether the client took bytes since the write clock
// started; if so it restarts the clock from what the socket holds now.
func (l *loop) stillReading(c *conn) bool {
	now := l.unsentBytes(c.fd)
	if now < 0 || now >= c.unsentMark {
		return false
	}
	l.timers.write.start(c, l.now)
	c.unsentMark = now
	return true
}

// unsentBytes is the number of bytes in the socket's send queue, sent but
// not acknowledged or not yet sent; -1 if the kernel will not say.
func (l *loop) unsentBytes(fd int) int {
	n, err := unix.IoctlGetInt(fd, unix.SIOCOUTQ)
	if l.trace.On() {
		l.trace.Call("ioctl("+itoa(fd)+", SIOCOUTQ, ["+itoa(n)+"])", 0, err)
	}
	if err != nil {
		return -1
	}
	return n
}
