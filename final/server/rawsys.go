//go:build linux

package server

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// read(2) and write(2) on the loop's sockets, made with RawSyscall.
//
// unix.Read and unix.Write tell the Go scheduler that the thread is about
// to enter the kernel (entersyscall), so that if the call blocks, the
// thread's P can run other goroutines meanwhile. Our sockets are
// non-blocking: these calls never sleep, they only take a few microseconds
// of kernel work. Telling the scheduler costs time on every call, and worse:
// a loopback write that takes longer than sysmon's 20 µs tick can get the P
// taken away mid-call and handed to another thread, and then the loop has
// to win it back. RawSyscall skips all of that. (epoll_wait does sleep, so
// it keeps the ordinary path.) notes/06-performance.md measures the gain.

func rawRead(fd int, b []byte) (int, error) {
	n, _, errno := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(bufPtr(b)), uintptr(len(b)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

func rawWrite(fd int, b []byte) (int, error) {
	n, _, errno := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(bufPtr(b)), uintptr(len(b)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// rawSendMore is send(2) with MSG_MORE (tcp(7)): "more data is coming",
// so the kernel holds these bytes back to share a segment with what the
// next call sends, as TCP_CORK would, for one call.
func rawSendMore(fd int, b []byte) (int, error) {
	n, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(bufPtr(b)), uintptr(len(b)), unix.MSG_MORE, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

func bufPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// rawAccept4 is accept4(2), with the client's address decoded here.
// unix.Accept4 would do more for each connection: a getsockopt(2) on the
// listener (x/sys asks every AF_INET socket's protocol, in case it is
// L2TP) and a heap-allocated address. One syscall in seven, on the
// Connection: close path.
func rawAccept4(listenFD int) (int, netip.AddrPort, error) {
	var addr unix.RawSockaddrAny
	size := uint32(unix.SizeofSockaddrAny)
	fd, _, errno := unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(listenFD),
		uintptr(unsafe.Pointer(&addr)), uintptr(unsafe.Pointer(&size)),
		unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	if errno != 0 {
		return -1, netip.AddrPort{}, errno
	}
	return int(fd), peerAddr(&addr), nil
}

// peerAddr reads an IPv4 or IPv6 socket address. The port is in network
// byte order (big-endian); an IPv4 client of an IPv6 socket arrives as
// ::ffff:a.b.c.d and is shown as the IPv4 address it is.
func peerAddr(addr *unix.RawSockaddrAny) netip.AddrPort {
	switch addr.Addr.Family {
	case unix.AF_INET:
		a := (*unix.RawSockaddrInet4)(unsafe.Pointer(addr))
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), bigEndian(a.Port))
	case unix.AF_INET6:
		a := (*unix.RawSockaddrInet6)(unsafe.Pointer(addr))
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), bigEndian(a.Port))
	}
	return netip.AddrPort{}
}

func bigEndian(port uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&port))
	return uint16(b[0])<<8 | uint16(b[1])
}
