//go:build linux

package sock

import (
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Every call below retries EINTR. A signal that arrives while a thread sleeps
// in a system call interrupts the call; Go installs its handlers with
// SA_RESTART, so most calls restart by themselves, but signal(7) lists the
// ones that never restart, and the answer to EINTR is always to try again.

// Accept takes one connection from the listener's queue with accept4(2).
// The new descriptor gets close-on-exec (and non-blocking mode when flags
// asks for it) in the same call, with no window in between.
func Accept(n *Narrator, lfd int, flags int) (int, netip.AddrPort, error) {
	for {
		fd, sa, err := unix.Accept4(lfd, flags|unix.SOCK_CLOEXEC)
		if n.On() {
			n.Call(acceptCall(lfd, sa, flags, err), fd, err)
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return -1, netip.AddrPort{}, err
		}
		return fd, AddrPort(sa), nil
	}
}

// Read makes one read(2) into buf. It returns 0 with a nil error when the
// peer has closed its side (end of file), and the errno otherwise.
func Read(n *Narrator, fd int, buf []byte) (int, error) {
	for {
		got, err := unix.Read(fd, buf)
		if n.On() {
			shown := "..." // strace prints the buffer's address when nothing was read
			if err == nil {
				shown = Quote(buf[:got], 32)
			}
			n.Call(fmt.Sprintf("read(%d, %s, %d)", fd, shown, len(buf)), got, err)
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 0, err
		}
		return got, nil
	}
}

// Write makes one write(2) and returns how much the kernel took, which may be
// less than len(data): a short write is not an error.
func Write(n *Narrator, fd int, data []byte) (int, error) {
	for {
		put, err := unix.Write(fd, data)
		if n.On() {
			n.Call(fmt.Sprintf("write(%d, %s, %d)", fd, Quote(data, 32), len(data)), put, err)
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 0, err
		}
		return put, nil
	}
}

// WriteAll writes all of data to a blocking socket, looping over short
// writes. EPIPE and ECONNRESET mean the peer is gone; Go turns the SIGPIPE
// that would otherwise kill the process into the EPIPE error (os/signal).
func WriteAll(n *Narrator, fd int, data []byte) error {
	for len(data) > 0 {
		put, err := Write(n, fd, data)
		if err != nil {
			return err
		}
		data = data[put:]
	}
	return nil
}

// Shutdown stops one direction of a connection. SHUT_WR sends our FIN while
// we can still read what the peer sends (shutdown(2)).
func Shutdown(n *Narrator, fd int, how int) error {
	err := unix.Shutdown(fd, how)
	name := "SHUT_WR"
	if how == unix.SHUT_RD {
		name = "SHUT_RD"
	} else if how == unix.SHUT_RDWR {
		name = "SHUT_RDWR"
	}
	n.Call(fmt.Sprintf("shutdown(%d, %s)", fd, name), 0, err)
	return err
}

// Close releases a descriptor. close(2) is not retried on EINTR: on Linux the
// descriptor is gone even then, and a retry could close a descriptor another
// thread has just been given.
func Close(n *Narrator, fd int) error {
	err := unix.Close(fd)
	n.Call(fmt.Sprintf("close(%d)", fd), 0, err)
	return err
}

// acceptCall spells an accept4 call as strace does. The kernel is handed
// room for any address (112 bytes) and says how much it used, which strace
// prints as [112 => 16]. When the call fails nothing was filled in, and
// strace prints the buffer's address and [112]; the narration prints ...
// for the address, as Read does for a buffer that got nothing.
func acceptCall(lfd int, sa unix.Sockaddr, flags int, err error) string {
	if err != nil || sa == nil {
		return fmt.Sprintf("accept4(%d, ..., [%d], %s)", lfd, unix.SizeofSockaddrAny, acceptFlags(flags))
	}
	return fmt.Sprintf("accept4(%d, %s, [%d => %d], %s)", lfd, StraceAddr(sa),
		unix.SizeofSockaddrAny, sockaddrLen(sa), acceptFlags(flags))
}

func acceptFlags(flags int) string {
	if flags&unix.SOCK_NONBLOCK != 0 {
		return "SOCK_CLOEXEC|SOCK_NONBLOCK"
	}
	return "SOCK_CLOEXEC"
}
