//go:build linux

// Package kit holds the pieces every epoll loop of the course needs, shared
// by step 2's demo and the final server: a table of connections by
// descriptor whose tags tell stale events from live ones (table.go), a
// descriptor kept in reserve for EMFILE (spare.go), an eventfd that wakes a
// loop from another goroutine (waker.go), and the lingering close that does
// not lose the last response (linger.go).
package kit

// Table finds a connection by its descriptor in O(1): descriptors are small
// integers the kernel hands out lowest-free-first, so a slice indexed by fd
// is the natural map.
//
// Each connection also gets a tag that is never reused (until the uint32
// wraps around, after four billion connections), which the loop stores in
// the spare Pad field of struct epoll_event when it adds the descriptor, and
// gets back in every event. A batch from epoll_wait holds at most one event
// per descriptor, and step 2 closes a connection only while handling that
// connection's own event, so there a stale event cannot arrive. It can as
// soon as handling one event may close another connection (a timeout, a
// shutdown: the final server does both): an event later in the same batch
// is then for a closed descriptor, whose number an accept in between may
// even have handed to a new client. The tag tells them apart, for the price
// of a comparison, so the habit starts in step 2.
//
// C is the loop's own connection type; the table holds pointers to it and
// never looks inside. The zero Table is empty and ready to use.
type Table[C any] struct {
	byFD    []entry[C]
	lastTag uint32
	n       int
}

type entry[C any] struct {
	c   *C
	tag uint32 // never 0 for a connection: 0 is the tag of the listener and the eventfd
}

// Add puts c in the table under fd and returns its new tag, to be passed to
// epoll_ctl(2) with fd. An fd already in the table is replaced.
func (t *Table[C]) Add(fd int, c *C) (tag uint32) {
	for fd >= len(t.byFD) {
		t.byFD = append(t.byFD, entry[C]{})
	}
	t.lastTag++
	if t.lastTag == 0 { // wrapped around: 0 would match an empty slot's tag
		t.lastTag = 1
	}
	if t.byFD[fd].c == nil {
		t.n++
	}
	t.byFD[fd] = entry[C]{c: c, tag: t.lastTag}
	return t.lastTag
}

// Get returns the connection an event with this fd and tag is for, or nil:
// no connection has that descriptor, or the event is stale (its connection
// was closed and the number reused).
func (t *Table[C]) Get(fd int, tag uint32) *C {
	if fd < 0 || fd >= len(t.byFD) {
		return nil
	}
	if e := t.byFD[fd]; e.c != nil && e.tag == tag {
		return e.c
	}
	return nil
}

// Remove takes fd's connection out of the table; an fd not in it is
// ignored.
func (t *Table[C]) Remove(fd int) {
	if fd < 0 || fd >= len(t.byFD) || t.byFD[fd].c == nil {
		return
	}
	t.byFD[fd] = entry[C]{}
	t.n--
}

// Len is the number of connections in the table.
func (t *Table[C]) Len() int { return t.n }

// Each calls f for every connection in the table, in descriptor order. f may
// Remove the connection it is given (closing every connection at shutdown
// does).
func (t *Table[C]) Each(f func(fd int, c *C)) {
	for fd := range t.byFD {
		if c := t.byFD[fd].c; c != nil {
			f(fd, c)
		}
	}
}
