//go:build linux

package sock

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// net/netip is only a value type for IP addresses: it opens no socket and
// does no name lookup, so the course can use it without the net package.

// ParseAddr turns "host:port" into the socket address bind(2) wants.
// The host may be empty or "0.0.0.0" (every IPv4 address), "localhost"
// (127.0.0.1: there is no DNS here, so that is the one name we know), a
// dotted IPv4 address, or an IPv6 address in brackets ("[::1]:8080").
func ParseAddr(s string) (unix.Sockaddr, error) {
	colon := strings.LastIndexByte(s, ':')
	if colon < 0 {
		return nil, fmt.Errorf("address %q: want host:port, for example 127.0.0.1:8080", s)
	}
	host, portText := s[:colon], s[colon+1:]
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("address %q: port %q is not a number from 0 to 65535", s, portText)
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		ip, err := netip.ParseAddr(host[1 : len(host)-1])
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return nil, fmt.Errorf("address %q: %q is not an IPv6 address", s, host)
		}
		return &unix.SockaddrInet6{Port: int(port), Addr: ip.As16()}, nil
	}
	switch host {
	case "", "0.0.0.0":
		return &unix.SockaddrInet4{Port: int(port)}, nil // INADDR_ANY
	case "localhost":
		return &unix.SockaddrInet4{Port: int(port), Addr: [4]byte{127, 0, 0, 1}}, nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Is4() {
		return nil, fmt.Errorf("address %q: %q is not an IPv4 address (IPv6 goes in brackets: [::1]:8080)", s, host)
	}
	return &unix.SockaddrInet4{Port: int(port), Addr: ip.As4()}, nil
}

// AddrPort converts a socket address from accept4(2) or getsockname(2) back
// into a printable value. An IPv4 client of an IPv6 socket arrives as
// ::ffff:a.b.c.d; Unmap shows it as the IPv4 address it really is.
func AddrPort(sa unix.Sockaddr) netip.AddrPort {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), uint16(a.Port))
	}
	return netip.AddrPort{}
}

// Family returns the address family constant for a socket address.
func Family(sa unix.Sockaddr) int {
	if _, ok := sa.(*unix.SockaddrInet6); ok {
		return unix.AF_INET6
	}
	return unix.AF_INET
}

// StraceAddr spells a socket address the way strace(1) prints a struct
// sockaddr, so the narration and strace's output line up.
func StraceAddr(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return fmt.Sprintf(`{sa_family=AF_INET, sin_port=htons(%d), sin_addr=inet_addr("%s")}`,
			a.Port, netip.AddrFrom4(a.Addr))
	case *unix.SockaddrInet6:
		return fmt.Sprintf(`{sa_family=AF_INET6, sin6_port=htons(%d), sin6_addr="%s"}`,
			a.Port, netip.AddrFrom16(a.Addr))
	}
	return "{...}"
}

// sockaddrLen is the size of the C struct the kernel fills in: 16 bytes for
// sockaddr_in, 28 for sockaddr_in6. strace prints it, so we do too.
func sockaddrLen(sa unix.Sockaddr) int {
	if _, ok := sa.(*unix.SockaddrInet6); ok {
		return unix.SizeofSockaddrInet6
	}
	return unix.SizeofSockaddrInet4
}
