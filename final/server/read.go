//go:build linux

package server

import (
	"runtime/debug"
	"time"

	"epollhttp/step2-epoll/kit"
	"epollhttp/step3-parse/httpparse"

	"golang.org/x/sys/unix"
)

// onReadable reads once (the socket is level-triggered: if more is waiting,
// epoll_wait says so again), then serves what has arrived.
func (l *loop) onReadable(c *conn) state {
	l.roomToRead(c)
	n, err := l.read(c.fd, c.in.spare())
	switch {
	case err == unix.EAGAIN:
		// Nothing after all (another event said so first).
	case err != nil:
		return stateClosed // ECONNRESET: the client reset the connection. No one to answer.
	case n == 0:
		// End of file: the client shut its writing side. What it sent in
		// full is still answered; commit closes the connection once
		// nothing more is owed.
		c.peerClosed = true
	default:
		c.in.added(n)
	}
	return l.advance(c)
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
// request. It stops when the input runs out, when a response ends the
// connection, or when output must go out first: too many bytes wait, or a
// file does (one open file per connection at a time: a client that
// pipelines a thousand file requests and reads nothing would otherwise
// hold a thousand descriptors). It reports whether it stopped for output.
func (l *loop) process(c *conn) (waitsForOutput bool) {
	waitsForOutput = l.serveInput(c)
	if c.bodyAt != nil && !l.keepPartialBody(c) {
		l.refuseBody(c)
	}
	return waitsForOutput
}

func (l *loop) serveInput(c *conn) bool {
	for c.in != nil && c.ending == stayOpen {
		if c.out != nil && l.outputFull(c.out) {
			return true
		}
		if c.parser == nil {
			c.parser = l.getParser()
		}
		step, err := c.parser.Parse(c.in.unread())
		if err != nil {
			e := err.(*httpparse.Error)
			l.queueError(c, e.Status, e.Reason)
			return false
		}
		c.in.consume(step.Consumed)
		switch step.Kind {
		case httpparse.NeedMore:
			return false
		case httpparse.Head:
			l.startRequest(c)
		case httpparse.Body:
			if !l.addBody(c, step.Body) {
				l.refuseBody(c)
				return false
			}
		case httpparse.Done:
			l.serve(c)
		}
	}
	return false
}

// outputFull reports whether a connection's requests must wait for its
// output to go out first. The output buffer is measured whole, sent bytes
// included: it is recycled only once everything in it is written, so a
// client that reads slowly would otherwise see response after response
// appended behind what it took, and hold megabytes. A file waiting, or a
// loop that holds its whole budget for clients, also makes requests wait.
func (l *loop) outputFull(o *output) bool {
	return len(o.buf) >= l.cfg.MaxOutput || len(o.files) > 0 || l.budgetLeft() <= 0
}

// startRequest looks at a complete head before its body is read.
func (l *loop) startRequest(c *conn) {
	r := c.parser.Request()
	c.head, c.headAt = r, int32(c.in.start-r.HeadLen)
	switch r.Expect {
	case httpparse.ExpectUnknown:
		l.queueError(c, 417, "only the 100-continue expectation is supported")
	case httpparse.ExpectContinue:
		// The client waits for this before it sends the body (RFC 9110
		// §10.1.1); a request with no body is owed no 100, and if the
		// body is already here, the client did not wait.
		hasBody := r.Framing == httpparse.FramingChunked || (r.Framing == httpparse.FramingLength && r.ContentLength > 0)
		switch {
		case !hasBody || c.in.len() > 0:
		case !l.bodyFits(r):
			// Better said now than after the client has sent it all.
			l.refuseBody(c)
		default:
			l.queueBytes(c, continueLine)
		}
	}
}

var continueLine = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// A body is gathered as it arrives, and grows with the bytes received,
// never with the bytes a Content-Length declares: a declared size is a
// promise, not a fact, and four thousand connections that each declare 8
// MiB and send one byte must not make the server reserve 32 GB. A body that
// arrives in one read stays where it is, in the input buffer, and is handed
// to the handler without a copy. What the loop's connections hold in
// gathered bodies, and in outputs grown past a pooled buffer (an /echo of
// a large body to a client that does not read it), is bounded by
// Config.MaxBodyBuffer: a body that would pass it gets 503 and the
// connection is closed (the client may retry). Outputs are never refused
// (the response exists already), but they count, so that uploads cannot
// keep making large responses no one reads.

// addBody takes the next piece of the body; false means over the budget.
func (l *loop) addBody(c *conn, piece []byte) bool {
	if c.body == nil && c.bodyAt == nil {
		c.bodyAt = piece
		return true
	}
	if c.bodyAt != nil && !l.keepPartialBody(c) {
		return false
	}
	if !l.growBody(c, len(piece)) {
		return false
	}
	c.body = append(c.body, piece...)
	return true
}

// keepPartialBody copies a body piece out of the input buffer when more
// must be read: the next read may reuse the bytes it sits in.
func (l *loop) keepPartialBody(c *conn) bool {
	piece := c.bodyAt
	c.bodyAt = nil
	if !l.growBody(c, len(piece)) {
		return false
	}
	c.body = append(c.body, piece...)
	return true
}

// growBody makes room for n more bytes in c.body: at least double, but
// never past what the body may reach (its Content-Length, or the body
// limit for chunked). The budget is charged when a body starts to be
// gathered, for all it declared (bookkeeping only: nothing that large is
// allocated), so that a body once admitted is never refused halfway; a
// chunked body, which declares nothing, is charged as it grows.
func (l *loop) growBody(c *conn, n int) bool {
	// exercise 4.3 begin: grow the body buffer within the loop's budget
	need := len(c.body) + n
	if need <= cap(c.body) {
		return true
	}
	limit := l.cfg.Limits.MaxBodyBytes
	if c.head.Framing == httpparse.FramingLength {
		limit = c.head.ContentLength
	}
	size := max(need, int(min(int64(max(2*cap(c.body), 512)), limit)))
	charge := int64(size)
	if c.head.Framing == httpparse.FramingLength {
		charge = limit
	}
	if extra := charge - c.bodyHeld; extra > 0 {
		if extra > l.budgetLeft() {
			return false
		}
		l.hold(extra)
		c.bodyHeld = charge
	}
	grown := make([]byte, len(c.body), size)
	copy(grown, c.body)
	c.body = grown
	return true
	// exercise 4.3 end
}

// refuseBody answers a body the loop's budget has no room for: 503, which
// queueError gives a Retry-After, and a close.
func (l *loop) refuseBody(c *conn) {
	l.queueError(c, 503, "too many request bodies in flight; retry")
}

// bodyFits reports whether the budget has room for what a head declares
// (for chunked, which declares nothing, whether it has room at all).
func (l *loop) bodyFits(r *httpparse.Request) bool {
	need := int64(1)
	if r.Framing == httpparse.FramingLength {
		need = r.ContentLength
	}
	return need <= l.budgetLeft()
}

// budgetLeft is what the loop may still hold for its clients (bodies being
// gathered, outputs grown past a pooled buffer): cfg.MaxBodyBuffer less
// what it holds.
func (l *loop) budgetLeft() int64 { return l.cfg.MaxBodyBuffer - l.heldBytes }

// releaseBody lets go of a gathered body and returns its charge to the
// budget.
func (l *loop) releaseBody(c *conn) {
	l.hold(-c.bodyHeld)
	c.body, c.bodyAt, c.bodyHeld = nil, nil, 0
}

// serve runs the handler for a complete request and queues its response.
func (l *loop) serve(c *conn) {
	head := c.head
	r := &l.req
	*r = Request{Method: head.Method, Headers: head.Headers, Remote: c.peer, Loop: l.id, Head: head, Date: time.Unix(l.clock.second, 0)}
	// A HEAD request is served as GET, and the server leaves the body out
	// (RFC 9110 §9.3.2): the handler cannot make the fields differ from
	// GET's, Content-Length included, which §8.6 requires.
	headOnly := r.IsHead()
	if headOnly {
		r.Method = methodGET
	}
	r.setTarget(head.Target)
	r.Body = c.bodyAt
	if c.body != nil {
		r.Body = c.body
	}
	w := &l.resp
	w.reset()
	l.runHandler(w, r)
	ending := stayOpen
	switch {
	case w.closeIt || l.draining:
		ending = closeAndLinger
	case !head.KeepAlive:
		ending = closeAsAsked
	}
	l.log.request(l, c, head.Method, head.Target, head.Version, w.status, w.sentBodySize(headOnly))
	l.queueResponse(c, w, headOnly, ending, head.Minor == 0 && head.KeepAlive)
	c.head = nil
	l.releaseBody(c)
	c.requests++
	l.stats.requests.inc()
}

var methodGET = []byte("GET")

func (l *loop) queueResponse(c *conn, w *ResponseWriter, headOnly bool, ending closeMode, keepAliveFor10 bool) {
	if c.out == nil {
		c.out = l.outputs.get()
	}
	var file fileSend
	var hasFile bool
	c.out.buf, file, hasFile = w.appendResponse(c.out.buf, l.clock.date, headOnly, ending != stayOpen, keepAliveFor10)
	l.countOutput(c.out)
	if hasFile {
		file.at = len(c.out.buf)
		c.out.files = append(c.out.files, file)
	}
	c.ending = ending
}

// hold adds n (which may be negative) to what the loop holds for clients.
func (l *loop) hold(n int64) {
	if n != 0 {
		l.heldBytes += n
		l.stats.held.v.Store(uint64(l.heldBytes))
	}
}

// countOutput counts what an output holds past a pooled buffer.
func (l *loop) countOutput(o *output) {
	extra := int64(max(0, cap(o.buf)-readSize))
	l.hold(extra - o.counted)
	o.counted = extra
}

// queueBytes queues bytes the server writes itself (100 Continue).
func (l *loop) queueBytes(c *conn, b []byte) {
	if c.out == nil {
		c.out = l.outputs.get()
	}
	c.out.buf = append(c.out.buf, b...)
}

// queueError answers a request that cannot be served with status and a
// short reason, and closes the connection after it: once a request is
// malformed, nothing after it on the stream can be trusted (RFC 9112 §9.6).
func (l *loop) queueError(c *conn, status int, reason string) {
	w := &l.resp
	w.reset()
	w.Text(status, reason+"\n")
	if status == 503 {
		w.SetHeader("Retry-After", "1")
	}
	l.log.request(l, c, dash, dash, dash, status, int64(len(w.body)))
	l.queueResponse(c, w, false, closeAndLinger, false)
	l.stats.errors.inc()
	l.releaseInput(c)
	l.releaseBody(c)
}

var dash = []byte("-")

// discard reads and drops what a lingering client still sends, until its
// FIN (end of file) lets us close without an RST.
func (l *loop) discard(c *conn) state {
	var scratch [4096]byte
	l.stats.reads.inc()
	discarded := int(c.lingerBytes)
	done := kit.Discard(l.trace, c.fd, scratch[:], &discarded, maxLingerBytes)
	c.lingerBytes = int32(discarded)
	if done {
		return stateClosed
	}
	return stateLinger
}

// maxLingerBytes bounds what a closing client may make us read and drop.
const maxLingerBytes = 256 << 10

// releaseInput gives c's input buffer and parser back to the pools.
func (l *loop) releaseInput(c *conn) {
	if c.in != nil {
		l.putInput(c.in)
		c.in = nil
	}
	if c.parser != nil {
		c.parser.Reset()
		l.parsers.give(c.parser, maxPooledParsers)
		c.parser = nil
	}
	c.head = nil
}

func (l *loop) getParser() *httpparse.Parser {
	if p, ok := l.parsers.take(); ok {
		return p
	}
	return httpparse.New(l.cfg.Limits)
}

// maxPooledParsers bounds the parsers a loop keeps (a few KiB each).
const maxPooledParsers = 1024

// runHandler calls the handler. A handler that panics gets its client a
// 500 and a closed connection, not the whole server brought down; the
// panic and its stack go to the error log, always. A status the server
// cannot send as a final response becomes a 500 too.
func (l *loop) runHandler(w *ResponseWriter, r *Request) {
	defer func() {
		if p := recover(); p != nil {
			l.errs.printf("final: handler panic serving %s %s: %v\n%s", r.Method, r.Target, p, debug.Stack())
			l.stats.panics.inc()
			w.reset() // closes a file the handler gave SendFile
			w.Text(500, "internal server error\n")
			w.Close()
		}
	}()
	l.handler.Serve(w, r)
	switch {
	case w.status < 200 || w.status > 599:
		l.errs.printf("final: handler set status %d serving %s %s; sent 500\n", w.status, r.Method, r.Target)
	case w.badFile():
		l.errs.printf("final: handler gave SendFile fd %d, offset %d, size %d serving %s %s; sent 500\n",
			w.file.fd, w.file.offset, w.file.remaining, r.Method, r.Target)
	default:
		return
	}
	w.reset()
	w.Text(500, "internal server error\n")
}
