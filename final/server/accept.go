//go:build linux

package server

import (
	"net/netip"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// acceptAll takes waiting connections from this loop's listener. The
// listener is level-triggered, so there is no need to accept until EAGAIN:
// if more are waiting, the next epoll_wait reports the listener again.
func (l *loop) acceptAll() {
	// Shutdown sets the flag before it wakes the loops, so a loop that gets
	// to its listener before its wake-up event still accepts no one new.
	if l.srv.draining.Load() && !l.draining {
		l.beginDrain()
		return
	}
	for i := 0; i < acceptBatch && !l.paused && !l.draining; i++ {
		fd, peer, err := l.accept()
		switch err {
		case nil:
			l.open1(fd, peer)
		case unix.EAGAIN:
			return
		case unix.ECONNABORTED, unix.EINTR:
			// The client gave up while it waited in the queue; go on.
		case unix.EMFILE, unix.ENFILE:
			if !l.outOfDescriptors() {
				return
			}
		default:
			// ENOBUFS or ENOMEM: the kernel is short of memory. Try again
			// at the next wakeup rather than spin here.
			if l.trace.On() {
				l.trace.Printf("accept4: %v", err)
			}
			return
		}
	}
}

// acceptBatch is how many accept4 calls one wakeup may make. Accepting
// until EAGAIN costs a lone connection a second accept4 that finds the
// queue empty; a batch of one never makes that call, and a burst costs one
// more (cheap) pass through epoll_wait per connection. Measured with
// Connection: close (16 connections, scripts/bench.sh): a batch of 4 made
// 1.76 accept4 and 1.39 epoll_wait per request, a batch of 1 made 1.00 and
// 1.63, fewer syscalls in all, at the same requests/s (21.3k either way).
// notes/06-performance.md has the figures.
const acceptBatch = 1

func (l *loop) accept() (int, netip.AddrPort, error) {
	fd, peer, err := rawAccept4(l.listenFD)
	l.stats.accepts.inc()
	if l.trace.On() {
		l.trace.Call("accept4("+strconv.Itoa(l.listenFD)+", ..., SOCK_CLOEXEC|SOCK_NONBLOCK)", fd, err)
	}
	return fd, peer, err
}

// open1 starts serving a new connection, unless the server is at its
// connection limit: then the client gets 503 and the connection is closed
// at once, which costs far less than letting it wait for a slot.
func (l *loop) open1(fd int, peer netip.AddrPort) {
	if l.srv.draining.Load() {
		// Shutdown began between acceptAll's check and this accept4: the
		// client arrived after it, and gets a close, not an answer.
		l.closeFD(fd)
		return
	}
	// Count first, then check: the loops accept at the same time, and a
	// check before the count would let each of them take the last slot.
	serverOpen := l.srv.open.Add(1)
	if limit := l.cfg.MaxConns; limit > 0 && serverOpen > int64(limit) {
		l.srv.open.Add(-1)
		l.stats.rejected.inc()
		n, err := unix.Write(fd, tooManyConnections) // a fresh socket's buffer has room
		if l.trace.On() {
			l.trace.Call(traceIO("write", fd, tooManyConnections, n), n, err)
		}
		// A plain close: the client's request may be unread, and then the
		// kernel sends RST after the 503; Linux clients read what arrived
		// before the reset, and a shed connection is not worth a linger.
		l.closeFD(fd)
		return
	}
	l.open++
	l.stats.connsTotal.inc()
	l.stats.connsOpen.inc()
	// A new client owes us a request head: its clock starts now, so a
	// client that connects and sends nothing, or one byte at a time, is
	// gone after HeaderTimeout. Between requests on a kept-alive
	// connection the (longer) idle timeout applies instead.
	l.commit(l.newConn(fd, peer), evAccept, stateHead)
}

var tooManyConnections = func() []byte {
	body := "The server is at its connection limit; retry soon.\n"
	return []byte("HTTP/1.1 503 Service Unavailable\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n" +
		"Retry-After: 1\r\n" +
		"Connection: close\r\n" +
		"\r\n" + body)
}()

// When the process is out of descriptors, accept4 fails with EMFILE and the
// connection stays queued. A level-triggered loop would then wake, fail and
// wake again at 100% CPU. Step 2 showed the fix, and its kit.Spare is used
// here: one descriptor held in reserve is closed, the waiting connection
// accepted with its number and closed at once (the client sees a clean
// close, not a hang), and the reserve reopened. If even the reserve is
// gone, accepting pauses until one of our connections closes.
// notes/05-hardening.md compares the two.

// outOfDescriptors sheds one queued connection with the spare's number and
// reports whether more may be waiting (kit.Spare explains why only that
// accept can tell). Without a spare, accepting pauses.
func (l *loop) outOfDescriptors() bool {
	if !l.spare.Held() {
		l.pauseAccepting()
		return false
	}
	shed := l.spare.Shed(func() (int, error) {
		fd, _, err := l.accept()
		return fd, err
	})
	if shed {
		l.stats.shed.inc()
	}
	return shed
}

// A loop pauses accepting when even its spare is gone: another loop, or a
// static file's open, took the number it had just freed. A close of one of
// its own connections resumes it (close, in lifecycle.go), but a loop with no
// connections has nothing to close; so a paused loop also tries again
// every retryAcceptEvery. That is a few wakeups a second while the process
// is out of descriptors: not a spin, and never a loop that stops for good.
const retryAcceptEvery = int64(250 * time.Millisecond)

func (l *loop) pauseAccepting() {
	l.paused = true
	l.pausedAt = l.now
	l.stats.epollCtls.inc()
	if err := l.poller.Modify(l.listenFD, 0, 0); err != nil && l.trace.On() {
		// Still watched: the next wakeup finds EMFILE again and pauses
		// again; a retry, not a spin, since the spare is gone.
		l.trace.Printf("pause accepting: %v", err)
	}
}

// retryAccepting resumes a loop paused for long enough (see above). If
// descriptors are still short, the next accept4 says EMFILE again and the
// loop pauses for another retryAcceptEvery.
func (l *loop) retryAccepting() {
	if l.paused && l.now-l.pausedAt >= retryAcceptEvery {
		l.resumeAccepting()
	}
}

func (l *loop) resumeAccepting() {
	l.spare.Reopen()
	if l.listenFD < 0 {
		l.paused = false
		return
	}
	l.stats.epollCtls.inc()
	if err := l.poller.Modify(l.listenFD, unix.EPOLLIN, 0); err != nil {
		// Stay paused: retryAccepting tries again in retryAcceptEvery.
		l.pausedAt = l.now
		if l.trace.On() {
			l.trace.Printf("resume accepting: %v", err)
		}
		return
	}
	l.paused = false
}
