//go:build linux

package server

// buffer holds bytes read from one connection and not yet consumed by the
// parser: b[start:end]. Reads append at end; the parser consumes from start.
type buffer struct {
	b          []byte
	start, end int
}

func (b *buffer) len() int           { return b.end - b.start }
func (b *buffer) unread() []byte     { return b.b[b.start:b.end:b.end] }
func (b *buffer) consume(n int)      { b.start += n }
func (b *buffer) reset()             { b.start, b.end = 0, 0 }
func (b *buffer) spare() []byte      { return b.b[b.end:] }
func (b *buffer) added(n int)        { b.end += n }
func (b *buffer) isPooled() bool     { return cap(b.b) == readSize }
func (b *buffer) hasRoom(n int) bool { return len(b.b)-b.end >= n }

// makeRoom gets at least n free bytes at the end. keep is where the bytes
// that must not move begin: the head of a request in flight, whose fields
// are slices of this buffer (-1 when nothing is pinned). Bytes after keep
// (a body already handed to the parser) are dead and may be overwritten.
func (b *buffer) makeRoom(n int, pinnedEnd int) {
	if b.hasRoom(n) {
		return
	}
	if pinnedEnd < 0 {
		// Nothing pinned: slide the unread bytes to the front.
		b.end = copy(b.b, b.b[b.start:b.end])
		b.start = 0
	} else if pinnedEnd < b.start {
		// A head is pinned at the front; the body bytes after it were all
		// consumed. Slide the unread bytes down to just after the head.
		b.end = pinnedEnd + copy(b.b[pinnedEnd:], b.b[b.start:b.end])
		b.start = pinnedEnd
	}
	if b.hasRoom(n) {
		return
	}
	// Still too small: a head that is larger than the buffer. Grow into a
	// new array; the old one is left to the garbage collector, because a
	// request's fields may still point into it.
	grown := make([]byte, max(2*len(b.b), b.end+n))
	copy(grown, b.b[:b.end])
	b.b = grown
}

// bufferPool keeps read buffers for one loop. A connection takes one when
// bytes arrive and gives it back when it has consumed them all.
type bufferPool struct{ freeList[*buffer] }

const readSize = 16 << 10 // bytes per read(2), and the size of a pooled buffer

func (p *bufferPool) get() *buffer {
	if b, ok := p.take(); ok {
		return b
	}
	return &buffer{b: make([]byte, readSize)}
}

// put keeps b unless it grew past readSize (a large head): that one goes
// back to the garbage collector.
func (p *bufferPool) put(b *buffer) {
	if b.isPooled() {
		b.reset()
		p.give(b, maxPooledBuffers)
	}
}

// maxPooledBuffers bounds what a loop keeps of each kind of buffer.
const maxPooledBuffers = 256
