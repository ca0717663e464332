//go:build linux

// Package poll is a thin layer over one epoll instance (epoll(7)): an
// interest list of descriptors the kernel watches for us, and a ready list it
// fills as they become readable or writable. Add, Modify and Remove edit the
// interest list with epoll_ctl(2); Wait sleeps in epoll_wait(2) and returns
// the ready list.
package poll

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"epollhttp/step1-socket/sock"

	"golang.org/x/sys/unix"
)

// Poller is one epoll instance.
type Poller struct {
	fd     int
	events []unix.EpollEvent // filled by every Wait; its length caps one batch
	trace  *sock.Narrator
	Waits  atomic.Uint64 // epoll_wait calls, EINTR ones included; read from any goroutine
}

// New creates an epoll instance with room for maxEvents events per Wait.
// EPOLL_CLOEXEC: the instance is not inherited by programs we might exec.
func New(maxEvents int, trace *sock.Narrator) (*Poller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	trace.Call("epoll_create1(EPOLL_CLOEXEC)", fd, err)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	return &Poller{fd: fd, events: make([]unix.EpollEvent, maxEvents), trace: trace}, nil
}

// FD is the epoll instance's own descriptor.
func (p *Poller) FD() int { return p.fd }

// Add starts watching fd for events. The event the kernel hands back carries
// fd and tag untouched, so the loop can find the connection (fd) and tell a
// live one from a closed one whose number was reused (tag).
func (p *Poller) Add(fd int, events uint32, tag uint32) error {
	return p.ctl(unix.EPOLL_CTL_ADD, "EPOLL_CTL_ADD", fd, events, tag)
}

// Modify changes what fd is watched for, for example to stop reading a client
// whose responses are piling up and wait for EPOLLOUT instead.
func (p *Poller) Modify(fd int, events uint32, tag uint32) error {
	return p.ctl(unix.EPOLL_CTL_MOD, "EPOLL_CTL_MOD", fd, events, tag)
}

// Remove stops watching fd. Call it before close(2): an fd that has been
// dup'ed stays in the interest list after close, and its events would keep
// coming for a number we no longer own (epoll(7), Q6).
func (p *Poller) Remove(fd int) error {
	err := unix.EpollCtl(p.fd, unix.EPOLL_CTL_DEL, fd, nil)
	p.trace.Call(fmt.Sprintf("epoll_ctl(%d, EPOLL_CTL_DEL, %d, NULL)", p.fd, fd), 0, err)
	return err
}

func (p *Poller) ctl(op int, opName string, fd int, events uint32, tag uint32) error {
	// unix.EpollEvent has a different layout on some architectures (arm64
	// pads before Fd), so it is always filled in by field name.
	ev := unix.EpollEvent{Events: events, Fd: int32(fd), Pad: int32(tag)}
	err := unix.EpollCtl(p.fd, op, fd, &ev)
	if p.trace.On() {
		p.trace.Call(fmt.Sprintf("epoll_ctl(%d, %s, %d, {%s, fd=%d})", p.fd, opName, fd, EventNames(events), fd), 0, err)
	}
	return err
}

// Wait sleeps until at least one watched descriptor is ready, or timeoutMs
// milliseconds pass (-1: no limit), and returns the ready events. The slice
// is reused by the next Wait.
//
// EINTR is not an error. epoll_wait(2) is never restarted after a signal
// handler, whatever SA_RESTART says (signal(7)), and Go sends its own
// threads signals (SIGURG, to preempt goroutines), so EINTR is routine.
// With no timeout (-1) Wait simply calls again. With a finite timeout it
// returns no events instead: calling again would start the clock afresh,
// and a caller with deadlines must first work out how long is left.
func (p *Poller) Wait(timeoutMs int) ([]unix.EpollEvent, error) {
	for {
		n, err := unix.EpollWait(p.fd, p.events, timeoutMs)
		p.Waits.Add(1)
		if p.trace.On() {
			p.traceWait(n, timeoutMs, err)
		}
		if errors.Is(err, unix.EINTR) {
			if timeoutMs >= 0 {
				return p.events[:0], nil
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("epoll_wait: %w", err)
		}
		return p.events[:n], nil
	}
}

func (p *Poller) traceWait(n, timeoutMs int, err error) {
	var ready strings.Builder
	if err == nil {
		for i, ev := range p.events[:n] {
			if i > 0 {
				ready.WriteString(", ")
			}
			fmt.Fprintf(&ready, "{%s, fd=%d}", EventNames(ev.Events), ev.Fd)
		}
	}
	p.trace.Call(fmt.Sprintf("epoll_wait(%d, [%s], %d, %d)", p.fd, ready.String(), len(p.events), timeoutMs), n, err)
}

// Close releases the epoll instance.
func (p *Poller) Close() error {
	return sock.Close(p.trace, p.fd)
}
