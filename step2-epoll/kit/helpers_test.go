//go:build linux

package kit

import (
	"net"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"
	"epollhttp/step1-socket/sock"

	"golang.org/x/sys/unix"
)

// connectedPair gives a real TCP connection on loopback: the server's end as
// a raw descriptor, blocking but with a receive timeout of
// servertest.Patience (a test that goes wrong fails instead of hanging), and
// the client's end as a net.Conn with the same deadline.
func connectedPair(t *testing.T) (fd int, client net.Conn) {
	t.Helper()
	ln, err := sock.Listen(nil, "127.0.0.1:0", sock.ListenConfig{Backlog: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close(nil, ln.FD)
	setReceiveTimeout(t, ln.FD) // accept(2) honours it too
	client, err = net.DialTimeout("tcp", ln.Addr.String(), servertest.Patience)
	if err != nil {
		t.Fatal(err)
	}
	client.SetDeadline(time.Now().Add(servertest.Patience))
	t.Cleanup(func() { client.Close() })
	fd, _, err = sock.Accept(nil, ln.FD, 0)
	if err != nil {
		t.Fatalf("accept4: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	setReceiveTimeout(t, fd)
	return fd, client
}

// setReceiveTimeout sets SO_RCVTIMEO (socket(7)): a blocking read or accept
// that waits longer fails with EAGAIN.
func setReceiveTimeout(t *testing.T, fd int) {
	t.Helper()
	tv := unix.NsecToTimeval(servertest.Patience.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatalf("SO_RCVTIMEO: %v", err)
	}
}
