//go:build linux

package server

// buffer holds bytes read from one connection and not yet consumed by the
// parser, b[start:end], and in front of them, while a request's body is
// still arriving, that request's head: its fields are slices of these
// bytes. Reads append at end; the parser consumes from start.
type buffer struct {
	b          []byte
	start, end int
}

func (b *buffer) len() int           { return b.end - b.start }
func (b *buffer) unread() []byte     { return b.b[b.start:b.end:b.end] }
func (b *buffer) consume(n int)      { b.start += n }
func (b *buffer) spare() []byte      { return b.b[b.end:] }
func (b *buffer) added(n int)        { b.end += n }
func (b *buffer) hasRoom(n int) bool { return len(b.b)-b.end >= n }

// Two sizes of buffer. A read is given readSize bytes, so a burst of
// pipelined requests arrives in one read(2). A connection that must wait
// for the rest of a request keeps only what it has received, in a small
// buffer when that fits: otherwise a thousand slow clients (or a thousand
// declared bodies that never come) would each pin a buffer sized for the
// fastest one.
const (
	readSize  = 16 << 10
	smallSize = 1 << 10
	minRead   = 4 << 10 // the least room a read(2) is given
)

// bufferPool keeps buffers of one size for one loop.
type bufferPool struct {
	size int
	freeList[*buffer]
}

func (p *bufferPool) get() *buffer {
	if b, ok := p.take(); ok {
		return b
	}
	return &buffer{b: make([]byte, p.size)}
}

// put keeps b if it has the pool's size; one grown for a large head goes
// back to the garbage collector.
func (p *bufferPool) put(b *buffer) {
	if len(b.b) == p.size {
		b.start, b.end = 0, 0
		p.give(b, maxPooledBuffers)
	}
}

// maxPooledBuffers bounds what a loop keeps of each kind of buffer.
const maxPooledBuffers = 256

// keptLen is what c's input must keep: the head in flight and the unread
// bytes after it.
func (c *conn) keptLen() int {
	n := c.in.len()
	if c.head != nil {
		n += c.head.HeadLen
	}
	return n
}

// roomToRead makes sure c has an input buffer with room for a read.
func (l *loop) roomToRead(c *conn) {
	if c.in == nil {
		c.in = l.inputs.get()
		return
	}
	if c.in.hasRoom(minRead) {
		return
	}
	need := c.keptLen() + minRead
	switch {
	case need <= len(c.in.b):
		l.moveInput(c, c.in) // slide what is kept to the front
	case need <= readSize:
		l.moveInput(c, l.inputs.get())
	default: // a head larger than a read: grow, doubling, but never far past the head limit
		l.moveInput(c, &buffer{b: make([]byte, max(need, min(2*len(c.in.b), l.cfg.Limits.MaxHeaderBytes+minRead)))})
	}
}

// shrinkInput moves what a waiting connection keeps into a small buffer,
// when it fits there, and gives the large one back.
func (l *loop) shrinkInput(c *conn) {
	if c.in != nil && len(c.in.b) > smallSize && c.keptLen() <= smallSize {
		l.moveInput(c, l.smalls.get())
	}
}

// moveInput copies what c keeps to the front of dst (which may be c.in
// itself): the pinned head first, then the unread bytes. The parser kept
// offsets, so the head's slices can be pointed at their new place
// (Rebase); the old array can then be reused at once.
func (l *loop) moveInput(c *conn, dst *buffer) {
	src := c.in
	n := 0
	if c.head != nil {
		at := int(c.headAt)
		n = copy(dst.b, src.b[at:at+c.head.HeadLen])
		c.headAt = 0
	}
	m := copy(dst.b[n:], src.unread())
	dst.start, dst.end = n, n+m
	if c.head != nil {
		c.parser.Rebase(dst.b[:n])
	}
	if dst != src {
		l.putInput(src)
	}
	c.in = dst
}

func (l *loop) putInput(b *buffer) {
	if len(b.b) == smallSize {
		l.smalls.put(b)
	} else {
		l.inputs.put(b)
	}
}
