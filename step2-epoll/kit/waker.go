//go:build linux

package kit

import (
	"fmt"
	"sync"
	"sync/atomic"

	"epollhttp/step1-socket/sock"

	"golang.org/x/sys/unix"
)

// Waker wakes a loop that sleeps in epoll_wait, from any other goroutine.
// A Go signal handler runs on some other thread and cannot interrupt the
// loop's; so SIGTERM, a shutdown, or a test writes to an eventfd(2), a
// counter with a descriptor, which the loop watches like any client: the
// write makes it readable, and epoll_wait returns.
type Waker struct {
	mu    sync.Mutex   // held by Wake and Close: no write to a number already closed
	fd    atomic.Int32 // -1 once closed; FD reads it without the lock
	trace *sock.Narrator
}

// NewWaker creates the eventfd. EFD_CLOEXEC: not inherited by a program we
// might exec. EFD_NONBLOCK: Wake and Clear never sleep, even when the
// counter is full or empty (eventfd(2)).
func NewWaker(trace *sock.Narrator) (*Waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	trace.Call("eventfd2(0, EFD_CLOEXEC|EFD_NONBLOCK)", fd, err)
	if err != nil {
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	w := &Waker{trace: trace}
	w.fd.Store(int32(fd))
	return w, nil
}

// FD is the eventfd's descriptor, to add to the epoll interest list and to
// recognise its events by; -1 once closed.
func (w *Waker) FD() int { return int(w.fd.Load()) }

// Wake makes the eventfd readable. It is safe from any goroutine at any
// time, also after Close: the lock keeps it from writing to the number
// after Close has released it, when the number may already belong to
// another file. It is not narrated: it runs beside the loop, whose
// narration it would interleave with.
func (w *Waker) Wake() {
	one := []byte{1, 0, 0, 0, 0, 0, 0, 0} // eventfd adds an 8-byte counter, in host order
	w.mu.Lock()
	defer w.mu.Unlock()
	if fd := w.FD(); fd >= 0 {
		// EAGAIN: the counter is at its maximum, so it is readable already.
		unix.Write(fd, one)
	}
}

// Clear reads the counter, which resets it to 0, so the eventfd stops being
// readable until the next Wake. Only the loop calls it.
func (w *Waker) Clear() {
	fd := w.FD()
	if fd < 0 {
		return
	}
	var counter [8]byte
	n, err := unix.Read(fd, counter[:])
	if w.trace.On() {
		w.trace.Call(fmt.Sprintf("read(%d, ..., 8)", fd), n, err)
	}
}

// Close releases the eventfd. Only the loop calls it; a Wake after it does
// nothing.
func (w *Waker) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if fd := w.FD(); fd >= 0 {
		sock.Close(w.trace, fd)
		w.fd.Store(-1)
	}
}
