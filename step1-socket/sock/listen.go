//go:build linux

package sock

import (
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// ListenConfig holds the choices a server makes before it can accept.
type ListenConfig struct {
	// Backlog is listen(2)'s queue of connections the kernel has completed
	// but the program has not yet accepted. Linux silently caps it at
	// /proc/sys/net/core/somaxconn.
	Backlog int
	// ReuseAddr sets SO_REUSEADDR, which lets bind(2) succeed while old
	// connections on the port still sit in TIME_WAIT (socket(7)).
	ReuseAddr bool
	// ReusePort sets SO_REUSEPORT: several sockets may listen on one port
	// and the kernel spreads new connections between them (socket(7)).
	ReusePort bool
	// NonBlocking opens the socket with SOCK_NONBLOCK, so accept4(2) answers
	// EAGAIN at once when no connection is waiting instead of sleeping.
	NonBlocking bool
}

// Listener is a socket in the listening state.
type Listener struct {
	FD   int
	Addr netip.AddrPort // the address the kernel really bound, port included
}

// Listen makes the four calls every TCP server starts with: socket(2),
// setsockopt(2), bind(2) and listen(2), then getsockname(2) to learn the
// port the kernel picked when asked for port 0. On any failure it closes
// the socket it opened, so a failed Listen leaks no descriptor.
func Listen(n *Narrator, addr string, cfg ListenConfig) (*Listener, error) {
	sa, err := ParseAddr(addr)
	if err != nil {
		return nil, err
	}
	fd, err := openSocket(n, sa, cfg.NonBlocking)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	l, err := bindAndListen(n, fd, sa, addr, cfg)
	if err != nil {
		Close(n, fd)
		return nil, err
	}
	return l, nil
}

// openSocket calls socket(2). SOCK_CLOEXEC keeps the descriptor from leaking
// into any program this one might exec; SOCK_NONBLOCK is step 2's business.
func openSocket(n *Narrator, sa unix.Sockaddr, nonBlocking bool) (int, error) {
	family, familyName := Family(sa), "AF_INET"
	if family == unix.AF_INET6 {
		familyName = "AF_INET6"
	}
	typ, typName := unix.SOCK_STREAM|unix.SOCK_CLOEXEC, "SOCK_STREAM|SOCK_CLOEXEC"
	if nonBlocking {
		typ, typName = typ|unix.SOCK_NONBLOCK, typName+"|SOCK_NONBLOCK"
	}
	fd, err := unix.Socket(family, typ, 0)
	n.Call(fmt.Sprintf("socket(%s, %s, IPPROTO_IP)", familyName, typName), fd, err)
	return fd, err
}

func bindAndListen(n *Narrator, fd int, sa unix.Sockaddr, addr string, cfg ListenConfig) (*Listener, error) {
	if cfg.ReuseAddr {
		if err := setOption(n, fd, unix.SO_REUSEADDR, "SO_REUSEADDR"); err != nil {
			return nil, err
		}
	}
	if cfg.ReusePort {
		if err := setOption(n, fd, unix.SO_REUSEPORT, "SO_REUSEPORT"); err != nil {
			return nil, err
		}
	}
	err := unix.Bind(fd, sa)
	n.Call(fmt.Sprintf("bind(%d, %s, %d)", fd, StraceAddr(sa), sockaddrLen(sa)), 0, err)
	if err != nil {
		// EADDRINUSE is the one a learner meets: another socket holds the
		// port, or old connections wait in TIME_WAIT and SO_REUSEADDR is off.
		return nil, fmt.Errorf("bind %s: %w", addr, err)
	}
	err = unix.Listen(fd, cfg.Backlog)
	n.Call(fmt.Sprintf("listen(%d, %d)", fd, cfg.Backlog), 0, err)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		n.Call(fmt.Sprintf("getsockname(%d, ...)", fd), 0, err)
		return nil, fmt.Errorf("getsockname %s: %w", addr, err)
	}
	// Like accept4, getsockname is handed room for any address (112 bytes)
	// and says how much it used: [112 => 16] in strace's notation.
	n.Call(fmt.Sprintf("getsockname(%d, %s, [%d => %d])", fd, StraceAddr(bound), unix.SizeofSockaddrAny, sockaddrLen(bound)), 0, nil)
	return &Listener{FD: fd, Addr: AddrPort(bound)}, nil
}

// setOption turns on one boolean SOL_SOCKET option.
func setOption(n *Narrator, fd, opt int, name string) error {
	err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt, 1)
	n.Call(fmt.Sprintf("setsockopt(%d, SOL_SOCKET, %s, [1], 4)", fd, name), 0, err)
	if err != nil {
		return fmt.Errorf("setsockopt %s: %w", name, err)
	}
	return nil
}
