//go:build linux

package server

// freeList is a stack of things one loop reuses: read buffers, output
// buffers, parsers, conn structs. A connection takes one when it needs it
// and gives it back when it is done, so the steady state allocates
// nothing; once a second trim lets a burst's leftovers go. Only the loop's
// thread touches it, so it needs no lock.
type freeList[T any] struct {
	free []T
}

// take returns a kept one, or ok false if there is none.
func (f *freeList[T]) take() (x T, ok bool) {
	n := len(f.free)
	if n == 0 {
		return x, false
	}
	x = f.free[n-1]
	f.free = f.free[:n-1]
	return x, true
}

// give keeps x for reuse, unless limit are kept already: past that, x goes
// to the garbage collector.
func (f *freeList[T]) give(x T, limit int) {
	if len(f.free) < limit {
		f.free = append(f.free, x)
	}
}

// trim lets go of half the kept ones above floor.
func (f *freeList[T]) trim(floor int) {
	if keep := max(floor, len(f.free)/2); keep < len(f.free) {
		clear(f.free[keep:]) // no stale pointers keep them alive
		f.free = f.free[:keep]
	}
}

func (f *freeList[T]) len() int { return len(f.free) }
