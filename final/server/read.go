//go:build linux

package server

import (
	"epollhttp/step3-parse/httpparse"

	"golang.org/x/sys/unix"
)

// minRead is the least room a read(2) is given; less, and the buffer is
// compacted or grown first.
const minRead = 4 << 10

// onReadable reads once (the socket is level-triggered: if more is waiting,
// epoll_wait says so again), answers every complete request in what has
// arrived, and writes all the answers with one write.
func (l *loop) onReadable(c *conn) {
	if c.in == nil {
		c.in = l.inputs.get()
	}
	pinned := -1
	if c.head != nil {
		pinned = c.head.HeadLen + c.headAt
	}
	c.in.makeRoom(minRead, pinned)
	n, err := l.read(c.fd, c.in.spare())
	switch {
	case err == unix.EAGAIN:
		return // nothing after all (another event said so first)
	case err != nil:
		// ECONNRESET: the client reset the connection. No one to answer.
		l.closeConn(c)
		return
	case n == 0:
		// End of file: the client shut its writing side. Answer what it
		// sent, then close (flush does it, and stops watching for input,
		// which a level-triggered epoll would otherwise report for ever).
		c.peerClosed = true
	}
	c.in.added(n)
	l.process(c)
	if l.flush(c) {
		l.releaseIfIdle(c)
	}
}

func (l *loop) read(fd int, b []byte) (int, error) {
	for {
		n, err := rawRead(fd, b)
		l.stats.reads.inc()
		if l.trace.On() {
			l.trace.Call(traceIO("read", fd, b, n), n, err)
		}
		if err == unix.EINTR {
			continue
		}
		if n > 0 {
			l.stats.bytesIn.add(uint64(n))
		}
		return n, err
	}
}

// process turns what c.in holds into responses in c.out, request by
// request, until the input runs out, a response closes the connection, or
// too much output waits for a client that does not read.
func (l *loop) process(c *conn) {
	for !c.lastReply && !c.closing && (c.out == nil || c.out.pending() < l.cfg.MaxOutput) {
		if c.parser == nil {
			c.parser = l.getParser()
		}
		step, err := c.parser.Parse(c.in.unread())
		if err != nil {
			e := err.(*httpparse.Error)
			l.queueError(c, e.Status, e.Reason)
			return
		}
		c.in.consume(step.Consumed)
		switch step.Kind {
		case httpparse.NeedMore:
			l.keepPartialBody(c)
			return
		case httpparse.Head:
			if !l.startRequest(c) {
				return
			}
		case httpparse.Body:
			l.addBody(c, step.Body)
		case httpparse.Done:
			l.serve(c)
		}
	}
}

// startRequest looks at a complete head before its body is read. It
// reports false if the request was answered here already.
func (l *loop) startRequest(c *conn) bool {
	r := c.parser.Request()
	c.head, c.headAt = r, c.in.start-r.HeadLen
	switch r.Expect {
	case httpparse.ExpectUnknown:
		l.queueError(c, 417, "only the 100-continue expectation is supported")
		return false
	case httpparse.ExpectContinue:
		// The client waits for this before it sends the body (RFC 9110
		// §10.1.1). If the body is already here, it did not wait.
		if r.Framing != httpparse.FramingNone && c.in.len() == 0 {
			if c.out == nil {
				c.out = l.outputs.get()
			}
			c.out.buf = append(c.out.buf, "HTTP/1.1 100 Continue\r\n\r\n"...)
		}
	}
	return true
}

// addBody gathers the body. A body that arrives in one piece stays where
// it is, in the input buffer, and is handed to the handler without a copy.
func (l *loop) addBody(c *conn, piece []byte) {
	if c.body == nil && c.bodyAt == nil {
		c.bodyAt = piece
		return
	}
	if c.body == nil {
		c.body = make([]byte, 0, max(int(c.head.ContentLength), 2*len(c.bodyAt)))
		c.body = append(c.body, c.bodyAt...)
		c.bodyAt = nil
	}
	c.body = append(c.body, piece...)
}

// keepPartialBody copies a body piece out of the input buffer when more
// must be read: the next read may reuse the bytes it sits in.
func (l *loop) keepPartialBody(c *conn) {
	if c.bodyAt != nil {
		c.body = append(make([]byte, 0, max(int(c.head.ContentLength), 2*len(c.bodyAt))), c.bodyAt...)
		c.bodyAt = nil
	}
}

// serve runs the handler for a complete request and queues its response.
func (l *loop) serve(c *conn) {
	head := c.head
	r := &l.req
	*r = Request{Method: head.Method, Headers: head.Headers, Remote: c.peer, Loop: l.id, Head: head}
	r.setTarget(head.Target)
	r.Body = c.bodyAt
	if c.body != nil {
		r.Body = c.body
	}
	w := &l.resp
	w.reset()
	l.runHandler(w, r)

	closeAfter := !head.KeepAlive || w.closeIt || l.draining
	sent := w.bodySize() // for the log: queueResponse hands any file on
	if r.IsHead() {
		sent = 0
	}
	l.queueResponse(c, w, r.IsHead(), closeAfter, head.Minor == 0 && head.KeepAlive)
	l.log.request(l, c, head.Method, head.Target, head.Version, w.status, sent)
	c.head, c.body, c.bodyAt = nil, nil, nil
	c.requests++
	l.stats.requests.inc()
}

// runHandler calls the handler; a handler that panics gets its client a
// 500 and a closed connection, not the whole server brought down.
func (l *loop) runHandler(w *ResponseWriter, r *Request) {
	defer func() {
		if p := recover(); p != nil {
			w.reset()
			w.Text(500, "internal error\n")
			w.Close()
			if l.trace.On() {
				l.trace.Printf("handler panic: %v", p)
			}
		}
	}()
	l.handler.Serve(w, r)
}

func (l *loop) queueResponse(c *conn, w *ResponseWriter, headOnly, closeAfter, keepAliveFor10 bool) {
	if c.out == nil {
		c.out = l.outputs.get()
	}
	c.out.buf = w.appendResponse(c.out.buf, l.clock.date, headOnly, closeAfter, keepAliveFor10)
	if w.file != nil {
		if headOnly {
			l.closeFD(w.file.fd)
		} else {
			w.file.at = len(c.out.buf)
			c.out.files = append(c.out.files, *w.file)
		}
		w.file = nil
	}
	c.lastReply = closeAfter
}

// queueError answers a request that cannot be served with status and a
// short reason, and closes the connection after it: once a request is
// malformed, nothing after it on the stream can be trusted (RFC 9112 §9.6).
func (l *loop) queueError(c *conn, status int, reason string) {
	w := &l.resp
	w.reset()
	w.Text(status, reason+"\n")
	l.queueResponse(c, w, false, true, false)
	l.log.request(l, c, []byte("-"), []byte("-"), []byte("-"), status, int64(len(w.body)))
	l.stats.errors.inc()
	l.releaseInput(c)
}

// bodySize is the number of body bytes the response carries.
func (w *ResponseWriter) bodySize() int64 {
	if w.file != nil {
		return w.file.remaining
	}
	return int64(len(w.body))
}

// onWritable runs when a client blocked on EPOLLOUT has room again. Once
// its output is all out, requests that waited in its input are answered.
func (l *loop) onWritable(c *conn) {
	if c.out != nil {
		switch err := l.writeOut(c); {
		case err == errSocketFull:
			l.startWriteClock(c)
			return
		case err != nil:
			l.closeConn(c)
			return
		}
		l.outputs.put(c.out)
		c.out = nil
	}
	if c.in != nil && !c.closing {
		l.process(c)
	}
	if l.flush(c) {
		l.releaseIfIdle(c)
	}
}

// releaseIfIdle gives back the input buffer and parser of a connection that
// has nothing left in them, so an idle connection holds neither.
func (l *loop) releaseIfIdle(c *conn) {
	if c.in != nil && c.in.len() == 0 && c.head == nil {
		l.releaseInput(c)
	}
}

// discardInput reads and drops what a closing client still sends, until
// its FIN (end of file) lets us close without an RST.
func (l *loop) discardInput(c *conn) {
	var scratch [4096]byte
	n, err := l.read(c.fd, scratch[:])
	if err == unix.EAGAIN {
		return
	}
	c.lingerBytes += n
	if err != nil || n == 0 || c.lingerBytes > maxLingerBytes {
		l.closeConn(c)
	}
}

// maxLingerBytes bounds what a closing client may make us read and drop.
const maxLingerBytes = 256 << 10
