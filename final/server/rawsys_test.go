//go:build linux

package server

import (
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

func TestAcceptDecodesThePeer(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0"} {
		s, err := New(Config{Addr: addr, Loops: 1, Handler: HandlerFunc(testHandler)})
		if err != nil {
			t.Logf("%s: %v (no IPv6 here?)", addr, err)
			continue
		}
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fd, peer, err := rawAccept4(s.loops[0].listenFD)
		if err != nil {
			t.Fatal(err)
		}
		local := c.LocalAddr().(*net.TCPAddr)
		if peer.Port() != uint16(local.Port) || !peer.Addr().IsLoopback() {
			t.Errorf("%s: peer %v, want the client's %v", addr, peer, local)
		}
		unix.Close(fd)
		c.Close()
		s.closeLoops()
	}
}
