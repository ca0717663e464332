//go:build linux

package server

import (
	"strconv"
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
//
// Which clock runs is decided by the connection's state alone (stateRules
// in lifecycle.go): a new timeout is one more timerKind and one more line
// in that table.

// timerKind names a clock; each state runs at most one.
type timerKind uint8

const (
	timerNone   timerKind = iota
	timerHeader           // a request head has begun (or is owed) and must finish in time
	timerBody             // the head is done, the body must finish in time
	timerIdle             // keep-alive: no request under way
	timerWrite            // the client is not taking our output
	timerLinger           // our FIN is sent; waiting for the client's
	numTimers
)

// timeoutList holds connections waiting on one kind of timeout.
type timeoutList struct {
	name       string
	length     int64 // nanoseconds; 0 or less: this timeout is off
	head, tail *conn
}

func (t *timeoutList) nameOrNone() string {
	if t == nil {
		return "no"
	}
	return t.name
}

// start (re)starts c's clock on this list, moving it to the back.
func (t *timeoutList) start(c *conn, now int64) {
	// exercise 4.1 begin: append c to the list, its deadline now plus the length
	if c.timer != nil {
		c.timer.remove(c)
	}
	if t == nil || t.length <= 0 {
		return
	}
	c.timer, c.deadline = t, now+t.length
	c.prev, c.next = t.tail, nil
	if t.tail != nil {
		t.tail.next = c
	} else {
		t.head = c
	}
	t.tail = c
	// exercise 4.1 end
}

// remove takes c off the list, wherever it stands, in O(1).
func (t *timeoutList) remove(c *conn) {
	// exercise 4.1 begin: unlink c
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
	// exercise 4.1 end
}

// timers are the loop's timeout lists, one per kind.
type timers struct {
	lists [numTimers]timeoutList
}

func newTimers(cfg *Config) timers {
	var ts timers
	for kind, length := range map[timerKind]time.Duration{
		timerHeader: cfg.HeaderTimeout, timerBody: cfg.BodyTimeout, timerIdle: cfg.IdleTimeout,
		timerWrite: cfg.WriteTimeout, timerLinger: lingerTime,
	} {
		ts.lists[kind] = timeoutList{name: timerNames[kind], length: int64(length)}
	}
	return ts
}

var timerNames = [numTimers]string{"none", "header", "body", "idle", "write", "linger"}

// lingerTime bounds how long a closing connection waits for the client's
// FIN. A variable only so that a test can make it long.
var lingerTime = 2 * time.Second

func (ts *timers) list(kind timerKind) *timeoutList {
	if kind == timerNone {
		return nil
	}
	return &ts.lists[kind]
}

// set runs the clock of kind for c. A clock starts when the state that runs
// it is entered (entered is true) and otherwise keeps running: a slowloris
// client that sends one byte at a time must not push its header deadline
// back. Two exceptions restart it: a new request (each pipelined request
// gets its own time, however long the stream of them lasts), and the write
// clock, which measures how long the client has taken nothing: any event
// in the writing state means room appeared.
func (ts *timers) set(c *conn, kind timerKind, entered bool, now int64) {
	t := ts.list(kind)
	if t == nil {
		ts.stop(c)
		return
	}
	if entered || c.timer != t || kind == timerWrite || c.timedRequest != c.requests {
		c.timedRequest = c.requests
		t.start(c, now)
	}
}

func (ts *timers) stop(c *conn) {
	if c.timer != nil {
		c.timer.remove(c)
	}
}

// waitMillis is how long epoll_wait may sleep: until the earliest deadline,
// rounded up so we never wake a hair too early and sleep again, or -1 when
// nothing is waiting.
func (ts *timers) waitMillis(now int64) int {
	earliest := int64(-1)
	for i := range ts.lists {
		t := &ts.lists[i]
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
func (ts *timers) expire(now int64, fire func(*conn, timerKind)) {
	for kind := range ts.lists {
		t := &ts.lists[kind]
		for t.head != nil && t.head.deadline <= now {
			c := t.head
			t.remove(c)
			fire(c, timerKind(kind))
		}
	}
}

// onTimeout works out what happens to a connection whose clock ran out. A
// client that was slow to send its request gets 408 Request Timeout first
// (RFC 9110 §15.5.9); an idle keep-alive connection, a client that takes
// none of our output and a close that lingered are just closed.
func (l *loop) onTimeout(c *conn, kind timerKind) state {
	if kind == timerWrite {
		if l.stillReading(c) {
			return stateWriting
		}
		// Reset, not FIN: a plain close would leave the unsent bytes in
		// the kernel, an orphan socket holding megabytes for as long as
		// the client keeps answering zero-window probes (tcp(7)). With
		// SO_LINGER at zero, close(2) drops them and sends RST (socket(7)).
		l.abortOnClose(c.fd)
	}
	l.stats.timeouts.inc()
	if l.trace.On() {
		l.trace.Printf("%s timeout: fd %d", timerNames[kind], c.fd)
	}
	if kind == timerBody || (kind == timerHeader && c.in != nil && c.in.len() > 0) {
		// 408 for a request that began and did not finish. A client that
		// sent nothing at all just sees the connection closed.
		l.queueError(c, 408, "the request took too long to arrive")
		return l.advance(c)
	}
	return stateClosed
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

// stillReading reports whether the client took bytes since the write clock
// started, and notes what the socket holds now.
func (l *loop) stillReading(c *conn) bool {
	now := int32(l.unsentBytes(c.fd))
	reading := now >= 0 && now < c.unsentMark
	c.unsentMark = now
	return reading
}

// abortOnClose makes the coming close(2) of fd a reset.
func (l *loop) abortOnClose(fd int) {
	err := unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	if l.trace.On() {
		l.trace.Call("setsockopt("+strconv.Itoa(fd)+", SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8)", 0, err)
	}
}

// noteUnsent remembers what the socket holds as the write clock starts.
func (l *loop) noteUnsent(c *conn) { c.unsentMark = int32(l.unsentBytes(c.fd)) }

// unsentBytes is the number of bytes in the socket's send queue, sent but
// not acknowledged or not yet sent; -1 if the kernel will not say.
func (l *loop) unsentBytes(fd int) int {
	n, err := unix.IoctlGetInt(fd, unix.SIOCOUTQ)
	if l.trace.On() {
		l.trace.Call("ioctl("+strconv.Itoa(fd)+", SIOCOUTQ, ["+strconv.Itoa(n)+"])", 0, err)
	}
	if err != nil {
		return -1
	}
	return n
}
