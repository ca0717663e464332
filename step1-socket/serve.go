//go:build linux

package main

import (
	"errors"
	"fmt"
	"io"
	"net/netip"

	"epollhttp/step1-socket/minihttp"
	"epollhttp/step1-socket/sock"

	"golang.org/x/sys/unix"
)

const (
	// readSize is how much one read(2) asks for. It is small on purpose: a
	// browser's request does not fit, so the loop that gathers a request
	// from several reads is exercised every day, not once a year.
	readSize = 1024
	// maxHeadBytes caps the request line and header fields. A client that
	// sends more without the blank line gets 431 (RFC 6585 §5).
	maxHeadBytes = 8 << 10
	// lingerBytes and lingerSeconds bound how long closeGently keeps reading.
	lingerBytes   = 64 << 10
	lingerSeconds = 2
)

var (
	errHeadTooLarge = errors.New("request header section too large")
	errClosedEarly  = errors.New("client closed before the end of the header section")
)

// serveConnection handles one client from start to finish: read the request
// head, show it, answer, close. Nothing else happens meanwhile: that is the
// point of step 1, and its problem.
func serveConnection(n *sock.Narrator, fd int, peer netip.AddrPort, number int, stdout, stderr io.Writer) {
	head, reads, err := readHead(n, fd)
	if len(head) > 0 {
		dumpRequest(stdout, head, number, peer, reads)
	}
	switch {
	case err == nil:
		respond(n, fd, stderr, "200 OK", "Hello from step 1!\n")
	case errors.Is(err, errHeadTooLarge):
		respond(n, fd, stderr, "431 Request Header Fields Too Large",
			fmt.Sprintf("The request header section is larger than %d bytes.\n", maxHeadBytes))
	case errors.Is(err, errClosedEarly) && len(head) == 0:
		fmt.Fprintf(stderr, "step1-socket: %s connected and closed without sending anything\n", peer)
	default:
		// errClosedEarly with some bytes, or ECONNRESET: the client is gone,
		// so there is nobody to answer.
		fmt.Fprintf(stderr, "step1-socket: %s: %v\n", peer, err)
	}
	closeGently(n, fd)
}

// readHead reads until the blank line that ends the header section, which may
// take several reads: TCP delivers a byte stream, not messages, and one
// read(2) returns whatever has arrived so far. It returns every byte read
// (a body may have started after the blank line) and how many reads it took.
func readHead(n *sock.Narrator, fd int) ([]byte, int, error) {
	// exercise 1.3 begin: read until the blank line, or the limit
	var head []byte
	buf := make([]byte, readSize)
	for reads := 1; ; reads++ {
		got, err := sock.Read(n, fd, buf)
		if err != nil {
			// ECONNRESET: the client sent RST (it crashed, or closed with
			// unread data). Either way this connection is over.
			return head, reads, fmt.Errorf("read: %w", err)
		}
		if got == 0 {
			return head, reads, errClosedEarly
		}
		head = append(head, buf[:got]...)
		if minihttp.HeadEnd(head) >= 0 {
			return head, reads, nil
		}
		if len(head) > maxHeadBytes {
			return head, reads, errHeadTooLarge
		}
	}
	// exercise 1.3 end
}

// respond writes a complete response and says the connection closes after it.
func respond(n *sock.Narrator, fd int, stderr io.Writer, status, body string) {
	response := minihttp.AppendResponse(nil, status, body, true)
	if err := sock.WriteAll(n, fd, response); err != nil {
		// EPIPE or ECONNRESET: the client left before reading its answer.
		fmt.Fprintf(stderr, "step1-socket: write: %v\n", err)
	}
}

// closeGently ends a connection without losing the response. close(2) on a
// socket with unread input sends RST instead of FIN (tcp(7)), and an RST can
// make the client drop a response it has not read yet. So: shutdown(SHUT_WR)
// sends our FIN, then we read and discard until the client closes its side,
// for at most lingerBytes or lingerSeconds (SO_RCVTIMEO, socket(7)), and
// only then close.
func closeGently(n *sock.Narrator, fd int) {
	defer sock.Close(n, fd)
	if err := sock.Shutdown(n, fd, unix.SHUT_WR); err != nil {
		return // ENOTCONN: the client is already gone.
	}
	timeout := unix.Timeval{Sec: lingerSeconds}
	err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &timeout)
	n.Call(fmt.Sprintf("setsockopt(%d, SOL_SOCKET, SO_RCVTIMEO, {tv_sec=%d, tv_usec=0}, 16)", fd, lingerSeconds), 0, err)
	buf := make([]byte, readSize)
	for discarded := 0; discarded < lingerBytes; {
		got, err := sock.Read(n, fd, buf)
		if err != nil || got == 0 {
			return // EOF: the client closed. EAGAIN: the timeout passed.
		}
		discarded += got
	}
}
