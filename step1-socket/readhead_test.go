//go:build linux

package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"
	"epollhttp/step1-socket/sock"

	"golang.org/x/sys/unix"
)

// These tests call readHead on its own, on the server's end of a real
// loopback connection, with no server around it: they pin what readHead
// returns, whatever serves the connection.

// readCounter is a narrator's output that tells, on a channel, each time a
// read(2) has returned, so a test can send the next piece only after the
// last one was read: each piece is then its own read. The channel has room
// for more reads than any test makes, so the narration never waits.
type readCounter struct{ reads chan struct{} }

func (r readCounter) Write(p []byte) (int, error) {
	if bytes.HasPrefix(p, []byte("read(")) {
		select {
		case r.reads <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

// acceptedPair returns a client connection and the server's descriptor for
// its other end, accepted with the step's own sock package. The server's
// reads give up after servertest.Patience (SO_RCVTIMEO), so a readHead that
// waits for bytes that never come fails the test instead of hanging it.
func acceptedPair(t *testing.T) (net.Conn, int) {
	t.Helper()
	l, err := sock.Listen(nil, "127.0.0.1:0", sock.ListenConfig{Backlog: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close(nil, l.FD)
	client, err := net.DialTimeout("tcp", l.Addr.String(), servertest.Patience)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	fd, _, err := sock.Accept(nil, l.FD, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	patience := unix.NsecToTimeval(int64(servertest.Patience))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &patience); err != nil {
		t.Fatal(err)
	}
	return client, fd
}

// sendAfterReads writes each piece once the server has read the one before.
func sendAfterReads(client net.Conn, reads <-chan struct{}, pieces []string) {
	go func() {
		for i, piece := range pieces {
			if i > 0 {
				select {
				case <-reads:
				case <-time.After(servertest.Patience):
					return // readHead gave up or returned early; the test says which
				}
			}
			io.WriteString(client, piece)
		}
	}()
}

func TestReadHeadGathersAHeadSentInPieces(t *testing.T) {
	client, fd := acceptedPair(t)
	reads := make(chan struct{}, 100)
	// The blank line itself is cut in two, "\r" then "\n": only a search of
	// everything gathered so far finds it.
	pieces := []string{"GET / HT", "TP/1.1\r\nHost: a\r\n\r", "\n"}
	sendAfterReads(client, reads, pieces)
	head, n, err := readHead(&sock.Narrator{Out: readCounter{reads}}, fd)
	if err != nil {
		t.Fatalf("readHead: %v (got %q)", err, head)
	}
	if want := strings.Join(pieces, ""); string(head) != want || n != len(pieces) {
		t.Fatalf("readHead = %q in %d reads, want %q in %d", head, n, want, len(pieces))
	}
}

func TestReadHeadKeepsWhatCameAfterTheHead(t *testing.T) {
	client, fd := acceptedPair(t)
	const sent = "POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"
	io.WriteString(client, sent)
	head, _, err := readHead(nil, fd)
	if err != nil || string(head) != sent {
		t.Fatalf("readHead = %q, %v; want every byte read, body included: %q", head, err, sent)
	}
}

func TestReadHeadTakesSeveralReadsForALargeHead(t *testing.T) {
	client, fd := acceptedPair(t)
	sent := "GET / HTTP/1.1\r\nX-Filler: " + strings.Repeat("a", 3*readSize) + "\r\n\r\n"
	io.WriteString(client, sent)
	head, n, err := readHead(nil, fd)
	if err != nil || string(head) != sent {
		t.Fatalf("readHead = %d bytes, %v; want the %d bytes sent", len(head), err, len(sent))
	}
	if n < 4 {
		t.Fatalf("%d reads for %d bytes: each read asks for %d at most", n, len(sent), readSize)
	}
}

func TestReadHeadStopsAtTheLimit(t *testing.T) {
	client, fd := acceptedPair(t)
	// No blank line ever comes, and the client does not close: only the
	// limit can end this.
	go io.WriteString(client, "GET / HTTP/1.1\r\nX-Filler: "+strings.Repeat("b", 2*maxHeadBytes))
	head, _, err := readHead(nil, fd)
	if !errors.Is(err, errHeadTooLarge) {
		t.Fatalf("readHead: %v after %d bytes, want errHeadTooLarge", err, len(head))
	}
	if len(head) <= maxHeadBytes || len(head) > maxHeadBytes+readSize {
		t.Fatalf("gave up after %d bytes; the limit is %d, and one read is at most %d", len(head), maxHeadBytes, readSize)
	}
}

func TestReadHeadReportsAClientThatLeavesEarly(t *testing.T) {
	client, fd := acceptedPair(t)
	io.WriteString(client, "GET / HTTP/1.1\r\nHo")
	client.Close()
	head, _, err := readHead(nil, fd)
	if !errors.Is(err, errClosedEarly) || string(head) != "GET / HTTP/1.1\r\nHo" {
		t.Fatalf("readHead = %q, %v; want the half request and errClosedEarly", head, err)
	}
}
