//go:build linux

package main

import (
	"epollhttp/step1-socket/sock"

	"golang.org/x/sys/unix"
)

// Out of descriptors, accept4(2) fails with EMFILE and leaves the
// connection queued, and the still-readable listener would make the loop
// spin. The server sheds such connections with a descriptor held in
// reserve, a kit.Spare: kit/spare.go explains the trick and its subtlety.

// outOfDescriptors sheds one waiting connection, or pauses accepting. It
// reports whether more connections may be waiting: the accept made with the
// spare's number is the only one that can say the queue is empty.
func (s *server) outOfDescriptors() bool {
	if !s.spare.Held() {
		s.pauseAccepting()
		return false
	}
	shed := s.spare.Shed(s.acceptOne)
	if shed {
		s.counters.shed.Add(1)
	}
	return shed
}

// acceptOne is the accept4 that Spare.Shed makes with the reserve's number.
func (s *server) acceptOne() (int, error) {
	fd, _, err := sock.Accept(s.trace, s.listener.FD, unix.SOCK_NONBLOCK)
	return fd, err
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
	s.spare.Reopen()
	if err := s.poller.Modify(s.listener.FD, s.clientEvents(unix.EPOLLIN)&^unix.EPOLLRDHUP, 0); err != nil {
		s.trace.Printf("  resume accepting: %v", err)
	}
}
