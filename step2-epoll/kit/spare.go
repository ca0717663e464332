//go:build linux

package kit

import (
	"epollhttp/step1-socket/sock"

	"golang.org/x/sys/unix"
)

// When the process runs out of descriptors, accept4(2) fails with EMFILE
// (ENFILE: the whole system ran out) and the connection stays in the queue.
// The listener is still readable, so a level-triggered loop is woken again at
// once, fails again, and spins at 100% CPU; the clients wait for ever.
//
// The fix keeps one descriptor in reserve, open on /dev/null. On EMFILE the
// loop closes it, which frees exactly one number; accepts the waiting
// connection with it; closes that connection at once (the client sees the
// connection closed instead of hanging); and opens the reserve again. The
// queue drains, the loop sleeps, and the clients it keeps are unharmed. If
// even the reserve cannot be reopened, the loop must pause accepting until
// one of its connections closes and frees a descriptor.
//
// At the limit, accept4 fails with EMFILE even when the queue is empty (the
// kernel reserves the new descriptor before it looks at the queue), so only
// the accept made with the spare's number can say the queue is empty: when
// it fails, the loop stops shedding.

// Spare is the descriptor held in reserve for EMFILE.
type Spare struct {
	fd    int // -1 when not held
	trace *sock.Narrator
}

// NewSpare opens the reserve. If that fails, the Spare is not Held; Reopen
// tries again.
func NewSpare(trace *sock.Narrator) *Spare {
	s := &Spare{fd: -1, trace: trace}
	s.Reopen()
	return s
}

// Held reports whether the reserve is open, so Shed can free a number.
func (s *Spare) Held() bool { return s.fd >= 0 }

// Reopen opens the reserve if it is not held. O_CLOEXEC: a program we might
// exec does not inherit it (open(2)).
func (s *Spare) Reopen() {
	if s.fd >= 0 {
		return
	}
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	s.trace.Call(`openat(AT_FDCWD, "/dev/null", O_RDONLY|O_CLOEXEC)`, fd, err)
	if err == nil {
		s.fd = fd
	}
}

// Shed frees the reserve's number, calls accept, which should accept one
// waiting connection and return its descriptor, closes that connection at
// once, and reopens the reserve. It reports whether a connection was shed;
// false means the queue is empty (accept failed), or there was no reserve
// to free, and the loop should stop accepting for now.
func (s *Spare) Shed(accept func() (int, error)) (shed bool) {
	if s.fd < 0 {
		return false
	}
	sock.Close(s.trace, s.fd)
	s.fd = -1
	fd, err := accept()
	if err == nil {
		sock.Close(s.trace, fd)
	}
	s.Reopen()
	return err == nil
}

// Close releases the reserve.
func (s *Spare) Close() {
	if s.fd >= 0 {
		sock.Close(s.trace, s.fd)
		s.fd = -1
	}
}
