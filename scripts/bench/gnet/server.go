package main

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// server is gnet's side of the benchmark: gnet runs the event loop and
// calls OnTraffic with each connection's unread bytes; the handler splits
// them into requests and answers every complete one.
type server struct {
	gnet.BuiltinEventEngine

	// out collects the answers to one read's requests, so that a pipelined
	// batch leaves in one write(2), as final's does. One buffer serves
	// every connection: the server runs one event loop (main sets it), and
	// Conn.Write copies whatever the socket does not take at once.
	out []byte

	// ready is called with the listening address once gnet accepts.
	ready func(addr string)
}

// OnBoot reports the address with the port the kernel chose for
// -addr 127.0.0.1:0, read from a duplicate of the listener.
func (s *server) OnBoot(eng gnet.Engine) gnet.Action {
	fd, err := eng.Dup()
	if err != nil {
		fmt.Fprintf(os.Stderr, "gnet: listener: %v\n", err)
		return gnet.Shutdown
	}
	defer unix.Close(fd)
	sa, err := unix.Getsockname(fd)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gnet: getsockname: %v\n", err)
		return gnet.Shutdown
	}
	s.ready(sockaddrString(sa))
	return gnet.None
}

// OnTick keeps the Date field current.
func (s *server) OnTick() (time.Duration, gnet.Action) {
	tick(time.Now())
	return time.Second, gnet.None
}

// OnTraffic answers every complete request in the connection's buffer,
// with one write for all of them, and leaves a partial request buffered
// for the next call.
func (s *server) OnTraffic(c gnet.Conn) gnet.Action {
	buf, err := c.Peek(-1)
	if err != nil {
		return gnet.Close
	}
	out, used, action := s.out[:0], 0, gnet.None
	for used < len(buf) {
		req, n, err := split(buf[used:])
		if errors.Is(err, errIncomplete) {
			break
		}
		var status statusError
		if errors.As(err, &status) {
			out, action = appendError(out, int(status)), gnet.Close
			break
		}
		used += n
		out = appendResponse(out, req)
		if req.close {
			// RFC 9112 §9.6: nothing after a request with "close" is
			// answered.
			action = gnet.Close
			break
		}
	}
	s.out = out
	if len(out) > 0 {
		if _, err := c.Write(out); err != nil {
			return gnet.Close
		}
	}
	// Discard(0) would empty the whole buffer: only call it for bytes used.
	if used > 0 && action == gnet.None {
		c.Discard(used)
	}
	// On Close, gnet writes what the socket has not taken yet, then closes.
	return action
}

func sockaddrString(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port)).String()
	}
	return fmt.Sprint(sa)
}
