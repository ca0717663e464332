//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"
)

func TestMain(m *testing.M) {
	servertest.RunIfChild(run)
	os.Exit(m.Run())
}

const getRoot = "GET / HTTP/1.1\r\nHost: test\r\nUser-Agent: step1-test\r\n\r\n"

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, servertest.Patience)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(servertest.Patience))
	t.Cleanup(func() { c.Close() })
	return c
}

// readResponse reads until the server closes the connection, which step 1
// always does after one response, then closes the client's side, which ends
// the server's lingering read in closeGently.
func readResponse(t *testing.T, c net.Conn) string {
	t.Helper()
	got, err := io.ReadAll(c)
	c.Close()
	if err != nil {
		t.Fatalf("reading response: %v (got %q)", err, got)
	}
	return string(got)
}

func checkOK(t *testing.T, response string) {
	t.Helper()
	want := "HTTP/1.1 200 OK\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Length: 19\r\n" +
		"Connection: close\r\n" +
		"\r\n" +
		"Hello from step 1!\n"
	if response != want {
		t.Fatalf("response:\n%q\nwant:\n%q", response, want)
	}
}

func TestAnswersRequestSentWhole(t *testing.T) {
	s := servertest.Start(t, "-addr", "127.0.0.1:0")
	c := dial(t, s.Addr)
	io.WriteString(c, getRoot)
	checkOK(t, readResponse(t, c))
	s.Stop(t)
}

func TestAnswersRequestSentInSeveralWrites(t *testing.T) {
	s := servertest.Start(t, "-addr", "127.0.0.1:0")
	c := dial(t, s.Addr)
	pieces := []string{"GET / HT", "TP/1.1\r\nHo", "st: test\r\n", "\r", "\n"}
	readLine := regexp.MustCompile(`^read\(\d+, "`)
	for i, piece := range pieces {
		io.WriteString(c, piece)
		// Wait until the server has read this piece, so each piece is its own
		// read(2) and the loop in readHead really has to gather them.
		if _, err := s.Stderr.WaitForNth(readLine, i+1, servertest.Patience); err != nil {
			t.Fatalf("piece %d never read: %v\n%s", i, err, s.Stderr)
		}
	}
	checkOK(t, readResponse(t, c))
	if _, err := s.Stdout.WaitFor(regexp.MustCompile(`: 30 bytes in 5 reads ---$`), servertest.Patience); err != nil {
		t.Fatalf("dump header: %v\n%s", err, s.Stdout)
	}
}

func TestDumpShowsCRAndLF(t *testing.T) {
	s := servertest.Start(t, "-addr", "127.0.0.1:0")
	c := dial(t, s.Addr)
	io.WriteString(c, "GET /x HTTP/1.1\r\nHost: test\r\n\r\n")
	readResponse(t, c)
	for _, want := range []string{`GET /x HTTP/1.1\r\n`, `Host: test\r\n`, `\r\n`} {
		if _, err := s.Stdout.WaitFor(regexp.MustCompile("^"+regexp.QuoteMeta(want)+"$"), servertest.Patience); err != nil {
			t.Fatalf("dump line %q: %v\n%s", want, err, s.Stdout)
		}
	}
}

func TestDumpShowsUnprintableBytes(t *testing.T) {
	s := servertest.Start(t, "-addr", "127.0.0.1:0")
	c := dial(t, s.Addr)
	io.WriteString(c, "GET /\x01\xff HTTP/1.1\r\n\r\n")
	readResponse(t, c)
	if _, err := s.Stdout.WaitFor(regexp.MustCompile(`^GET /\\x01\\xff HTTP/1.1\\r\\n$`), servertest.Patience); err != nil {
		t.Fatalf("%v\n%s", err, s.Stdout)
	}
}

func TestBareLFEndsTheHead(t *testing.T) {
	s := servertest.Start(t, "-addr", "127.0.0.1:0")
	c := dial(t, s.Addr)
	io.WriteString(c, "GET / HTTP/1.1\nHost: test\n\n")
	checkOK(t, readResponse(t, c))
}

func TestRequestLargerThanOneRead(t *testing.T) {
	s := servertest.Start(t, "-addr", "127.0.0.1:0")
	c := dial(t, s.Addr)
	big := "GET / HTTP/1.1\r\nHost: test\r\nX-Filler: " + strings.Repeat("a", 3*readSize) + "\r\n\r\n"
	io.WriteString(c, big)
	checkOK(t, readResponse(t, c))
	line, err := s.Stdout.WaitFor(regexp.MustCompile(`bytes in \d+ reads ---$`), servertest.Patience)
	if err != nil {
		t.Fatalf("%v\n%s", err, s.Stdout)
	}
	if want := fmt.Sprintf(": %d bytes in ", len(big)); !strings.Contains(line, want) {
		t.Fatalf("dump header %q, want %d bytes over several reads", line, len(big))
	}
}

func TestHeadOverLimitGets431AndClose(t *testing.T) {
	s := servertest.Start(t, "-addr", "127.0.0.1:0")
	c := dial(t, s.Addr)
	// No blank line ever comes: only the limit can end this.
	io.WriteString(c, "GET / HTTP/1.1\r\nX-Filler: "+strings.Repeat("b", maxHeadBytes+10))
	response := readResponse(t, c)
	if !strings.HasPrefix(response, "HTTP/1.1 431 Request Header Fields Too Large\r\n") ||
		!strings.Contains(response, "Connection: close\r\n") {
		t.Fatalf("response %q, want a 431 that closes", response)
	}
	// The server is still there for the next client.
	c2 := dial(t, s.Addr)
	io.WriteString(c2, getRoot)
	checkOK(t, readResponse(t, c2))
}

func TestClientsThatLeaveDoNotStopTheServer(t *testing.T) {
	tests := []struct {
		name string
		act  func(c *net.TCPConn)
	}{
		{"connects and closes without sending", func(c *net.TCPConn) { c.Close() }},
		{"sends half a request and closes", func(c *net.TCPConn) {
			io.WriteString(c, "GET / HTTP/1.1\r\nHo")
			c.Close()
		}},
		{"sends half a request and resets", func(c *net.TCPConn) {
			io.WriteString(c, "GET / HTTP/1.1\r\nHo")
			c.SetLinger(0) // close(2) now sends RST: the server's read gets ECONNRESET
			c.Close()
		}},
	}
	s := servertest.Start(t, "-addr", "127.0.0.1:0")
	// Accepted connections always get descriptor 4 here (3 is the listener),
	// so counting "close(4)" lines counts finished connections.
	closes := regexp.MustCompile(`^close\(4\) = 0$`)
	finished := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.act(dial(t, s.Addr).(*net.TCPConn))
			finished++
			if _, err := s.Stderr.WaitForNth(closes, finished, servertest.Patience); err != nil {
				t.Fatalf("%v\n%s", err, s.Stderr)
			}
			c := dial(t, s.Addr)
			io.WriteString(c, getRoot)
			checkOK(t, readResponse(t, c))
			finished++
		})
	}
}

func TestServesOneClientAtATime(t *testing.T) {
	s := servertest.Start(t, "-addr", "127.0.0.1:0")
	first := dial(t, s.Addr)
	io.WriteString(first, "GET /first HTTP/1.1\r\nHost: test\r\n")
	if _, err := s.Stderr.WaitFor(regexp.MustCompile(`^read\(\d+, "GET /first`), servertest.Patience); err != nil {
		t.Fatal(err)
	}

	second := dial(t, s.Addr) // the kernel completes the handshake: it is in the backlog
	io.WriteString(second, "GET /second HTTP/1.1\r\nHost: test\r\n\r\n")
	// While the server sits in read(2) for the first client, the second gets
	// nothing. A short wait is enough to see it: no answer can come early.
	second.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := second.Read(make([]byte, 1)); n != 0 || !isTimeout(err) {
		t.Fatalf("second client got an answer (n=%d, err=%v) while the first was being served", n, err)
	}
	second.SetReadDeadline(time.Now().Add(servertest.Patience))

	io.WriteString(first, "\r\n")
	checkOK(t, readResponse(t, first))
	checkOK(t, readResponse(t, second))
	if _, err := s.Stdout.WaitFor(regexp.MustCompile(`^GET /second`), servertest.Patience); err != nil {
		t.Fatal(err)
	}
	out := s.Stdout.String()
	if strings.Index(out, "GET /first") > strings.Index(out, "GET /second") {
		t.Fatalf("second request dumped before the first:\n%s", out)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// serveOnceAndExit runs a -once server, makes one request that the server
// closes first (the client reads to end of file before closing), and waits
// for the server to exit. Its side of that connection is left in TIME_WAIT.
func serveOnceAndExit(t *testing.T, reuseAddr string) string {
	t.Helper()
	s := servertest.Start(t, "-addr", "127.0.0.1:0", "-reuseaddr="+reuseAddr, "-once")
	c := dial(t, s.Addr)
	io.WriteString(c, getRoot)
	checkOK(t, readResponse(t, c))
	if code := s.Wait(t, servertest.Patience); code != 0 {
		t.Fatalf("-once exit status %d", code)
	}
	return s.Addr
}

func checkBindFails(t *testing.T, addr, reuseAddr string) {
	t.Helper()
	s := servertest.StartNoWait(t, nil, "-addr", addr, "-reuseaddr="+reuseAddr)
	if code := s.Wait(t, servertest.Patience); code != 1 {
		t.Fatalf("exit status %d with -reuseaddr=%s, want 1", code, reuseAddr)
	}
	if !strings.Contains(s.Stderr.String(), "= -1 EADDRINUSE (Address already in use)") {
		t.Fatalf("no EADDRINUSE in:\n%s", s.Stderr)
	}
}

func TestQuickRestartNeedsReuseAddr(t *testing.T) {
	addr := serveOnceAndExit(t, "true")
	checkBindFails(t, addr, "false")
	s := servertest.Start(t, "-addr", addr, "-reuseaddr=true")
	c := dial(t, s.Addr)
	io.WriteString(c, getRoot)
	checkOK(t, readResponse(t, c))
	s.Stop(t)
}

// Linux lets a bind pass a TIME_WAIT connection only when both sockets have
// SO_REUSEADDR: the new listener and the old connection, which inherited the
// flag from the old listener. So setting it only on restart is too late.
func TestReuseAddrMustBeSetOnTheOldServerToo(t *testing.T) {
	addr := serveOnceAndExit(t, "false")
	checkBindFails(t, addr, "true")
}

func TestSignalsEndTheProgramWithStatusZero(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			s := servertest.Start(t, "-addr", "127.0.0.1:0")
			s.Signal(t, sig)
			if code := s.Wait(t, servertest.Patience); code != 0 {
				t.Fatalf("exit status %d, want 0", code)
			}
		})
	}
}

func TestOnceExitsAfterOneConnection(t *testing.T) {
	s := servertest.Start(t, "-addr", "127.0.0.1:0", "-once")
	c := dial(t, s.Addr)
	io.WriteString(c, getRoot)
	checkOK(t, readResponse(t, c))
	if code := s.Wait(t, servertest.Patience); code != 0 {
		t.Fatalf("exit status %d, want 0", code)
	}
}

func TestBadAddressIsReported(t *testing.T) {
	for _, addr := range []string{"nonsense", "127.0.0.1:99999", "999.1.1.1:80", "[zz]:80"} {
		s := servertest.StartNoWait(t, nil, "-addr", addr)
		if code := s.Wait(t, servertest.Patience); code != 1 {
			t.Fatalf("-addr %s: exit status %d, want 1", addr, code)
		}
		if !strings.Contains(s.Stderr.String(), "address") {
			t.Fatalf("-addr %s: unclear error:\n%s", addr, s.Stderr)
		}
	}
}

func TestDumpRequestFormat(t *testing.T) {
	var out bytes.Buffer
	dumpRequest(&out, []byte("GET / HTTP/1.1\r\n\r\nab"), 7, netipMust("127.0.0.1:5"), 2)
	want := "--- request 7 from 127.0.0.1:5: 20 bytes in 2 reads ---\n" +
		"GET / HTTP/1.1\\r\\n\n" +
		"\\r\\n\n" +
		"ab(no line end yet)\n" +
		"--- end of request 7 ---\n"
	if out.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
