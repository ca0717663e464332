//go:build linux

package server

import (
	"errors"

	"epollhttp/step2-epoll/kit"

	"golang.org/x/sys/unix"
)

// output is everything queued for one connection and not yet written: the
// responses of a batch, back to back in one buffer so that one write(2)
// sends them all, and the file one of them may carry, sent with sendfile(2)
// at its place in the stream.
type output struct {
	buf     []byte
	sent    int        // bytes of buf already written
	files   []fileSend // in order; each belongs after buf[:at]
	counted int64      // of buf's capacity past readSize, what l.heldBytes counts
}

type fileSend struct {
	at        int // position in buf after which the file's bytes go
	fd        int
	offset    int64
	remaining int64
}

// closeFiles releases the descriptors of files not yet sent.
func (o *output) closeFiles() {
	for _, f := range o.files {
		unix.Close(f.fd)
	}
	o.files = o.files[:0]
}

type outputPool struct{ freeList[*output] }

// putOutput gives an output back, and what it held to the loop's budget.
func (l *loop) putOutput(o *output) {
	l.hold(-o.counted)
	o.counted = 0
	l.outputs.put(o)
}

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

// advance serves what has arrived and writes what is queued, as far as the
// socket allows, and returns the state that leaves c in. It is the one
// path from bytes in to bytes out, for every event.
func (l *loop) advance(c *conn) state {
	// exercise 4.2 begin: serve, write, and serve again what waited for room
	quota := writeQuota // for this event, however many responses it writes
	for {
		waitsForOutput := l.process(c)
		if c.out != nil {
			switch err := l.writeOut(c, &quota); {
			case err == errSocketFull || err == errYield:
				l.noteUnsent(c)
				return stateWriting
			case err != nil:
				return stateClosed // EPIPE, ECONNRESET: no one left to answer
			}
			l.putOutput(c.out)
			c.out = nil
		}
		// All written. If requests waited behind the output, serve them
		// now: no new bytes may ever come to make epoll report this
		// socket again.
		if !waitsForOutput {
			return l.afterOutput(c)
		}
	}
	// exercise 4.2 end
}

// afterOutput picks the state of a connection whose output is all out.
func (l *loop) afterOutput(c *conn) state {
	unread := c.in != nil && c.in.len() > 0
	switch {
	case c.ending == closeAsAsked && !unread:
		// The client said this was its last request, and nothing of
		// another has come: a plain close sends our FIN after the
		// response, and no reset can follow, for nothing is left unread
		// (RFC 9112 §9.6). One syscall, where lingering takes three and a
		// wakeup.
		l.releaseInput(c)
		return stateClosed
	case c.ending != stayOpen || (l.draining && c.head == nil && !unread):
		return l.startLinger(c)
	case c.head != nil:
		l.shrinkInput(c)
		return stateBody
	case c.in != nil && c.in.len() > 0:
		l.shrinkInput(c)
		return stateHead
	}
	l.releaseInput(c) // nothing pending: an idle connection holds no buffer
	if c.requests == 0 {
		return stateHead // the first request is still owed
	}
	return stateIdle
}

// startLinger ends a connection whose last response is out without losing
// that response: close(2) with unread input sends RST, and an RST can make
// the client throw away what it has not read yet. So shutdown(SHUT_WR)
// sends our FIN, and the loop drops input until the client's FIN (or the
// linger clock) ends it. During a drain, a kept-alive connection whose
// response is out ends the same way.
func (l *loop) startLinger(c *conn) state {
	l.releaseInput(c)
	l.releaseBody(c)
	if c.peerClosed || kit.ShutdownWrite(l.trace, c.fd) != nil { // ENOTCONN: the client is gone
		return stateClosed
	}
	return stateLinger
}

// errSocketFull means the send buffer is full: EPOLLOUT will say when to
// go on. errYield means this connection had its share of this wakeup:
// EPOLLOUT, still armed, brings the loop back to it after the others.
var (
	errSocketFull = errors.New("socket send buffer full")
	errYield      = errors.New("write quota used up for this wakeup")
)

// writeQuota bounds the bytes one connection may write in one wakeup, so a
// client that downloads a large file as fast as loopback allows cannot keep
// the loop from its other clients: past it, the loop moves on and comes
// back at the next epoll_wait.
const writeQuota = 256 << 10

// writeOut sends as much of c.out as the socket and the quota allow, and
// takes what it wrote off the quota. It returns nil when everything is
// sent, errSocketFull or errYield when it must wait, or the error that
// ended the connection (EPIPE: the client closed; ECONNRESET: it reset; Go
// turns the SIGPIPE that would otherwise kill us into EPIPE).
func (l *loop) writeOut(c *conn, quota *int) error {
	// exercise 4.2 begin: write the batch, and its files, within the quota
	o := c.out
	for {
		limit := len(o.buf)
		if len(o.files) > 0 {
			limit = o.files[0].at
		}
		if o.sent < limit {
			if *quota <= 0 {
				return errYield
			}
			end := min(limit, o.sent+*quota)
			// A file follows these bytes (its response's head, and any
			// responses before it): MSG_MORE lets the head and the start
			// of the file leave in one segment, where TCP_NODELAY would
			// send the head alone (nginx's tcp_nopush does the same).
			more := end == limit && len(o.files) > 0 && o.files[0].remaining > 0
			n, err := l.write(c.fd, o.buf[o.sent:end], more)
			if err != nil {
				return err
			}
			o.sent += n
			*quota -= n
			if o.sent < end {
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
			if *quota <= 0 {
				return errYield
			}
			want := int(min(f.remaining, int64(*quota)))
			n, err := l.sendfile(c.fd, f, want)
			if err != nil {
				return err
			}
			*quota -= n
			if f.remaining > 0 && n < want {
				return errSocketFull
			}
			continue
		}
		l.closeFD(f.fd)
		o.files = o.files[1:]
	}
	// exercise 4.2 end
}

func (l *loop) write(fd int, b []byte, more bool) (int, error) {
	for {
		var n int
		var err error
		if more {
			n, err = rawSendMore(fd, b)
		} else {
			n, err = rawWrite(fd, b)
		}
		l.stats.writes.inc()
		if l.trace.On() {
			l.trace.Call(traceWrite(fd, b, n, more), n, err)
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

func (l *loop) sendfile(fd int, f *fileSend, want int) (int, error) {
	for {
		n, err := unix.Sendfile(fd, f.fd, &f.offset, want)
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
