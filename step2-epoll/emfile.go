//go:build linux

package main

import (
	"epollhttp/step1-socket/sock"

	"golang.org/x/sys/unix"
)

// When the process runs out of descriptors, accept4(2) fails with EMFILE
// (ENFILE: the whole system ran out) and the connection stays in the queue.
// The listener is still readable, so a level-triggered loop is woken again at
// once, fails again, and spins at 100% CPU; the clients wait for ever.
//
// The fix here keeps one descriptor in reserve, open on /dev/null. On
// EMFILE we close it, which frees exactly one number; accept the waiting
// connection with it; close that connection at once (the client sees the
// connection closed instead of hanging); and open the reserve again. The
// queue drains, the loop sleeps, and the clients we keep are unharmed.
// If even the reserve cannot be reopened, accepting pauses until one of
// our connections closes and frees a descriptor.

func openSpare(trace *sock.Narrator) int {
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	trace.Call(`openat(AT_FDCWD, "/dev/null", O_RDONLY|O_CLOEXEC)`, fd, err)
	if err != nil {
		return -1
	}
	return fd
}

// outOfDescriptors sheds one waiting connection, or pauses accepting. It
// reports whether more connections may be waiting. At the limit, accept4
// fails with EMFILE even when the queue is empty (the kernel reserves the
// new descriptor before it looks at the queue), so only the accept made
// with the spare's number can say the queue is empty: then we stop.
func (s *server) outOfDescriptors() bool {
	if s.spareFD < 0 {
		s.pauseAccepting()
		return false
	}
	sock.Close(s.trace, s.spareFD)
	s.spareFD = -1
	fd, _, err := sock.Accept(s.trace, s.listener.FD, unix.SOCK_NONBLOCK)
	if err == nil {
		sock.Close(s.trace, fd)
		s.counters.shed.Add(1)
	}
	s.spareFD = openSpare(s.trace)
	return err == nil
}

// pauseAccepting stops watching the listener (the connections wait in the
// kernel's queue) until closeConn frees a descriptor.
func (s *server) pauseAccepting() {
	s.paused = true
	if err := s.poller.Modify(s.listener.FD, 0, 0); err != nil {
		s.trace.Printf("  pause accepting: %v", err)
	}
}

func (s *server) resumeAccepting() {
	s.paused = false
	if s.spareFD < 0 {
		s.spareFD = openSpare(s.trace)
	}
	if err := s.poller.Modify(s.listener.FD, s.clientEvents(unix.EPOLLIN)&^unix.EPOLLRDHUP, 0); err != nil {
		s.trace.Printf("  resume accepting: %v", err)
	}
}
