//go:build linux

package server

import (
	"errors"

	"golang.org/x/sys/unix"
)

// output is everything queued for one connection and not yet written: the
// responses of a batch, back to back in one buffer so that one write(2)
// sends them all, and the files some of them carry, each sent with
// sendfile(2) at its place in the stream.
type output struct {
	buf   []byte
	sent  int        // bytes of buf already written
	files []fileSend // in order; each belongs after buf[:at]
}

type fileSend struct {
	at        int // position in buf after which the file's bytes go
	fd        int
	offset    int64
	remaining int64
}

func (o *output) pending() int {
	n := len(o.buf) - o.sent
	for _, f := range o.files {
		n += int(f.remaining)
	}
	return n
}

// closeFiles releases the descriptors of files not yet sent.
func (o *output) closeFiles() {
	for _, f := range o.files {
		unix.Close(f.fd)
	}
	o.files = o.files[:0]
}

type outputPool struct{ freeList[*output] }

func (p *outputPool) get() *output {
	if o, ok := p.take(); ok {
		return o
	}
	return &output{buf: make([]byte, 0, readSize)}
}

func (p *outputPool) put(o *output) {
	o.closeFiles()
	if cap(o.buf) != readSize {
		return // a buffer that grew goes back to the garbage collector
	}
	o.buf, o.sent = o.buf[:0], 0
	p.give(o, maxPooledBuffers)
}

// errSocketFull means the send buffer is full: EPOLLOUT will say when to
// go on.
var errSocketFull = errors.New("socket send buffer full")

// writeOut sends as much of c.out as the socket takes. It returns nil when
// everything is sent, errSocketFull when the socket filled up, or the error
// that ended the connection (EPIPE: the client closed; ECONNRESET: it
// reset; Go turns the SIGPIPE that would otherwise kill us into EPIPE).
func (l *loop) writeOut(c *conn) error {
	o := c.out
	for {
		limit := len(o.buf)
		if len(o.files) > 0 {
			limit = o.files[0].at
		}
		if o.sent < limit {
			n, err := l.write(c.fd, o.buf[o.sent:limit])
			if err != nil {
				return err
			}
			o.sent += n
			if o.sent < limit {
				// A short write means the send buffer is full; asking
				// again would only return EAGAIN.
				return errSocketFull
			}
			continue
		}
		if len(o.files) == 0 {
			return nil
		}
		f := &o.files[0]
		if f.remaining > 0 {
			n, err := l.sendfile(c.fd, f)
			if err != nil {
				return err
			}
			if f.remaining > 0 && n < sendfileChunk {
				return errSocketFull
			}
			continue
		}
		l.closeFD(f.fd)
		o.files = o.files[1:]
	}
}

// sendfileChunk bounds one sendfile(2), so one big file cannot keep the loop
// from its other clients for long.
const sendfileChunk = 1 << 20

func (l *loop) write(fd int, b []byte) (int, error) {
	for {
		n, err := rawWrite(fd, b)
		l.stats.writes.inc()
		if l.trace.On() {
			l.trace.Call(traceIO("write", fd, b, n), n, err)
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return 0, errSocketFull
		}
		if err != nil {
			return 0, err
		}
		l.stats.bytesOut.add(uint64(n))
		return n, nil
	}
}

func (l *loop) sendfile(fd int, f *fileSend) (int, error) {
	for {
		n, err := unix.Sendfile(fd, f.fd, &f.offset, int(min(f.remaining, sendfileChunk)))
		l.stats.sendfiles.inc()
		if l.trace.On() {
			l.trace.Call(traceSendfile(fd, f.fd, n), n, err)
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return 0, errSocketFull
		}
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, errors.New("file shorter than its size") // truncated while being sent
		}
		f.remaining -= int64(n)
		l.stats.bytesOut.add(uint64(n))
		return n, nil
	}
}

// flush writes what c has queued and decides what to watch next: more
// requests (EPOLLIN) when everything went out, EPOLLOUT when the socket
// is full. It returns false if the connection was closed.
func (l *loop) flush(c *conn) bool {
	for c.out != nil {
		err := l.writeOut(c)
		switch {
		case err == errSocketFull:
			l.watch(c, unix.EPOLLOUT)
			l.startWriteClock(c)
			return true
		case err != nil:
			l.closeConn(c)
			return false
		}
		l.outputs.put(c.out)
		c.out = nil
		// All written. process stops at MaxOutput, so complete requests may
		// still wait in the input; answer them now, because no new bytes
		// may ever come to make epoll report this socket again.
		if c.in != nil && c.in.len() > 0 && !c.lastReply && !c.closing {
			l.process(c)
		}
	}
	switch {
	case c.lastReply && !c.closing:
		return l.startClosing(c)
	case c.peerClosed:
		// Half-closed, and every complete request answered; a partial one
		// can never be finished now.
		l.closeConn(c)
		return false
	}
	if !c.peerClosed {
		l.watch(c, unix.EPOLLIN|unix.EPOLLRDHUP)
	}
	l.rearmTimer(c)
	return true
}

// startClosing ends a connection whose last response is out without losing
// that response: close(2) with unread input sends RST, and an RST can make
// the client throw away what it has not read yet. So: shutdown(SHUT_WR)
// sends our FIN, the loop discards input until the client's FIN (or the
// linger timer) arrives, and only then closes.
func (l *loop) startClosing(c *conn) bool {
	c.closing = true
	l.releaseInput(c)
	if c.peerClosed {
		l.closeConn(c)
		return false
	}
	err := unix.Shutdown(c.fd, unix.SHUT_WR)
	if l.trace.On() {
		l.trace.Call("shutdown("+itoa(c.fd)+", SHUT_WR)", 0, err)
	}
	if err != nil { // ENOTCONN: the client is gone already
		l.closeConn(c)
		return false
	}
	l.watch(c, unix.EPOLLIN|unix.EPOLLRDHUP)
	l.timers.linger.start(c, l.now)
	return true
}
