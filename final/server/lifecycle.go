//go:build linux

package server

import "golang.org/x/sys/unix"

// The life of a connection is a small state machine. Each event the loop
// handles (epoll says readable or writable, a timeout fires, a shutdown
// begins) is worked out by a function that returns the state the
// connection should be in next; it never closes the connection or touches
// epoll itself. Then commit, below, applies that decision: the epoll
// interest, the timeout list, and the close, in that order, once. So each
// state has exactly one answer to "what does epoll report?" and "which
// clock runs?", written in the table that follows, and notes/04-final.md
// draws its lifecycle diagram from these tables (go run ./final -lifecycle).

// state is where a connection stands.
type state uint8

const (
	stateNew     state = iota // accepted, not yet watched by epoll
	stateHead                 // a request head is owed: the first, or one whose bytes have begun
	stateBody                 // a head is parsed and its body is still arriving
	stateIdle                 // kept alive between requests: nothing owed, nothing buffered
	stateWriting              // output waits for room in the socket; new requests wait behind it
	stateLinger               // the last response is out and our FIN sent; input is read and dropped
	stateClosed               // the descriptor is closed; the conn must never be touched again
)

// stateRule is what being in a state means to the loop.
type stateRule struct {
	name   string
	events uint32    // the epoll interest
	timer  timerKind // the clock that runs
}

const reading = unix.EPOLLIN | unix.EPOLLRDHUP

var stateRules = [...]stateRule{
	stateNew:     {"new", 0, timerNone},
	stateHead:    {"head", reading, timerHeader},
	stateBody:    {"body", reading, timerBody},
	stateIdle:    {"idle", reading, timerIdle},
	stateWriting: {"writing", unix.EPOLLOUT, timerWrite},
	stateLinger:  {"linger", reading, timerLinger},
	stateClosed:  {"closed", 0, timerNone},
}

func (s state) String() string { return stateRules[s].name }

// waitsForInput reports whether the connection's next move depends on the
// client sending something: the state watches for input. A client that has
// shut its writing side (end of file) never will send more: in these
// states it is closed.
func (s state) waitsForInput() bool { return stateRules[s].events&unix.EPOLLIN != 0 }

// event is what made the loop look at a connection.
type event uint8

const (
	evAccept   event = iota // accept4 returned it
	evReadable              // EPOLLIN or EPOLLRDHUP
	evWritable              // EPOLLOUT
	evHangup                // EPOLLERR or EPOLLHUP: an error is pending, or both directions are shut
	evTimeout               // the state's clock ran out
	evDrain                 // a graceful shutdown began
	evStop                  // the server is closing now
)

var eventNames = [...]string{"accept", "readable", "writable", "hangup", "timeout", "drain", "stop"}

func (e event) String() string { return eventNames[e] }

// transition is one move the engine may make. The list is the whole
// machine: in the tests, commit checks every move it makes against it (see
// strict), so the diagram drawn from it cannot drift from the code.
type transition struct {
	from state
	on   event
	to   state
	why  string
}

// Reading and writing can end anywhere: one read may hold the rest of a
// head, a body, three pipelined requests and the start of a fourth. These
// are the outcomes of serving what has arrived and writing what is queued.
var served = []struct {
	to  state
	why string
}{
	{stateHead, "part of a head"},
	{stateBody, "a head, part of its body"},
	{stateIdle, "answered, kept alive"},
	{stateWriting, "the socket took only part"},
	{stateLinger, "answered, closing (Connection: close, an error, a drain)"},
	{stateClosed, "answered as the client's last request; a reset; end of file with nothing owed"},
}

var transitions = func() []transition {
	t := []transition{
		{stateNew, evAccept, stateHead, "accepted: a head is owed"},
		{stateLinger, evReadable, stateLinger, "input dropped"},
		{stateLinger, evReadable, stateClosed, "the client's FIN"},
		{stateHead, evTimeout, stateClosed, "nothing sent in time"},
		{stateIdle, evTimeout, stateClosed, "idle too long"},
		{stateWriting, evTimeout, stateWriting, "the client still reads (SIOCOUTQ)"},
		{stateWriting, evTimeout, stateClosed, "the client takes nothing"},
		{stateLinger, evTimeout, stateClosed, "no FIN in time"},
		{stateIdle, evDrain, stateClosed, "nothing in flight"},
		{stateHead, evDrain, stateClosed, "nothing received yet"},
	}
	for _, from := range []state{stateHead, stateBody, stateIdle} {
		for _, s := range served {
			t = append(t, transition{from, evReadable, s.to, s.why})
		}
	}
	for _, s := range served {
		t = append(t, transition{stateWriting, evWritable, s.to, s.why})
	}
	// A request that began and did not finish in time is answered 408,
	// which may or may not fit in the socket at once.
	for _, from := range []state{stateHead, stateBody} {
		t = append(t, transition{from, evTimeout, stateLinger, "408 sent"},
			transition{from, evTimeout, stateWriting, "408 queued"},
			transition{from, evTimeout, stateClosed, "408 could not be sent"})
	}
	for s := stateHead; s < stateClosed; s++ {
		t = append(t, transition{s, evHangup, stateClosed, "reset or hang-up"},
			transition{s, evStop, stateClosed, "server closing"})
	}
	return t
}()

// commit applies what an event decided for c: the epoll interest, the
// timeout list and the close, in that order, once. It is the only place a
// connection's state changes and the only place one is closed.
func (l *loop) commit(c *conn, on event, next state) {
	c.mustBeOpen()
	from := c.state
	if c.peerClosed && next.waitsForInput() {
		next = stateClosed
	}
	if strict {
		mustBeAllowed(from, on, next)
	}
	if next != stateClosed && !l.setInterest(c, from, stateRules[next].events) {
		next = stateClosed // epoll_ctl failed: a connection we cannot watch is one we cannot serve
	}
	c.state = next
	if l.observe != nil {
		l.observe(from, on, next)
	}
	if next == stateClosed {
		l.close(c)
		return
	}
	l.timers.set(c, stateRules[next].timer, from != next, l.now)
	if strict {
		l.checkInvariants(c)
	}
}

// setInterest tells epoll what to report for c, with one epoll_ctl, and
// only when that changes. A client that has sent its FIN would be reported
// readable for ever (end of file is always readable), so it is no longer
// watched for input.
func (l *loop) setInterest(c *conn, from state, events uint32) bool {
	if c.peerClosed {
		events &^= reading
	}
	if from == stateNew {
		c.watching = events
		l.stats.epollCtls.inc()
		return l.poller.Add(c.fd, events, c.tag) == nil
	}
	if c.watching == events {
		return true
	}
	c.watching = events
	l.stats.epollCtls.inc()
	if events == unix.EPOLLOUT {
		l.stats.outputWaits.inc()
	}
	return l.modify(c.fd, events, c.tag) == nil
}

// modify is epoll_ctl(EPOLL_CTL_MOD); a variable so that a test can make
// it fail, as it may with ENOMEM.
var modify = func(l *loop, fd int, events, tag uint32) error {
	return l.poller.Modify(fd, events, tag)
}

func (l *loop) modify(fd int, events, tag uint32) error { return modify(l, fd, events, tag) }

// close gives back everything c held. There is no EPOLL_CTL_DEL first:
// close(2) removes a descriptor from every epoll instance once no other
// descriptor refers to the same open file (epoll(7), Q6), and this server
// never dups or forks. An event for it already in this batch is caught by
// the tag.
func (l *loop) close(c *conn) {
	l.timers.stop(c)
	l.closeFD(c.fd)
	l.releaseInput(c)
	l.releaseBody(c)
	if c.out != nil {
		l.putOutput(c.out) // closes any file still waiting to be sent
		c.out = nil
	}
	l.conns.Remove(c.fd)
	l.freeConn(c)
	l.open--
	l.srv.open.Add(-1)
	l.stats.connsOpen.add(^uint64(0))
	l.stats.closed.inc()
	if l.paused {
		l.resumeAccepting()
	}
}
