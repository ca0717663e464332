//go:build linux

package kit

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"epollhttp/step1-socket/sock"

	"golang.org/x/sys/unix"
)

// discardUntilDone calls Discard until it says done, and fails the test if
// a read times out first (the blocking descriptor's SO_RCVTIMEO).
func discardUntilDone(t *testing.T, fd int, scratch []byte, limit int) (discarded int) {
	t.Helper()
	for range 1000 {
		before := discarded
		if Discard(nil, fd, scratch, &discarded, limit) {
			return discarded
		}
		if discarded == before {
			t.Fatalf("Discard read nothing (EAGAIN) after %d bytes: the client's bytes or FIN never came", discarded)
		}
	}
	t.Fatalf("Discard not done after 1000 reads, %d bytes", discarded)
	return discarded
}

func TestDiscardReadsUntilEndOfFile(t *testing.T) {
	fd, client := connectedPair(t)
	io.WriteString(client, strings.Repeat("x", 10000))
	client.(*net.TCPConn).CloseWrite() // the client's FIN
	if got := discardUntilDone(t, fd, make([]byte, 1000), 1<<20); got != 10000 {
		t.Fatalf("discarded %d bytes before end of file, want 10000", got)
	}
}

func TestDiscardStopsPastTheLimit(t *testing.T) {
	fd, client := connectedPair(t)
	io.WriteString(client, strings.Repeat("x", 10000)) // and no FIN
	const limit, scratch = 4096, 1000
	if got := discardUntilDone(t, fd, make([]byte, scratch), limit); got <= limit || got > limit+scratch {
		t.Fatalf("done after %d bytes, want just past the limit: %d < n <= %d", got, limit, limit+scratch)
	}
}

func TestDiscardIsDoneOnAReset(t *testing.T) {
	fd, client := connectedPair(t)
	client.(*net.TCPConn).SetLinger(0) // close(2) sends RST
	client.Close()
	discarded := 0
	if !Discard(nil, fd, make([]byte, 1000), &discarded, 1<<20) || discarded != 0 {
		t.Fatalf("after a reset: want done, 0 bytes; got %d bytes", discarded)
	}
}

func TestDiscardWithNothingToReadIsNotDone(t *testing.T) {
	fd, _ := connectedPair(t)
	if err := unix.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	var trace bytes.Buffer
	discarded := 5
	if Discard(&sock.Narrator{Out: &trace}, fd, make([]byte, 1000), &discarded, 1<<20) || discarded != 5 {
		t.Fatalf("EAGAIN: want not done and the count unchanged at 5, got %d", discarded)
	}
	want := fmt.Sprintf("read(%d, ..., 1000) = -1 EAGAIN (Resource temporarily unavailable)\n", fd)
	if trace.String() != want {
		t.Fatalf("narration %q, want %q", trace.String(), want)
	}
}

// The whole lingering close: our FIN first, the client reads end of file
// after what it was sent, and what it sends after that is still read and
// dropped until its own FIN.
func TestShutdownWriteMakesThePeerReadEndOfFile(t *testing.T) {
	fd, client := connectedPair(t)
	if err := sock.WriteAll(nil, fd, []byte("last response")); err != nil {
		t.Fatal(err)
	}
	var trace bytes.Buffer
	if err := ShutdownWrite(&sock.Narrator{Out: &trace}, fd); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("shutdown(%d, SHUT_WR) = 0\n", fd); trace.String() != want {
		t.Fatalf("narration %q, want %q", trace.String(), want)
	}
	got, err := io.ReadAll(client) // until end of file
	if err != nil || string(got) != "last response" {
		t.Fatalf("client read %q, %v; want the response, then end of file", got, err)
	}
	io.WriteString(client, "late bytes")
	client.(*net.TCPConn).CloseWrite()
	if n := discardUntilDone(t, fd, make([]byte, 1000), 1<<20); n != len("late bytes") {
		t.Fatalf("discarded %d bytes, want %d", n, len("late bytes"))
	}
}
