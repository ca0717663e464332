//go:build linux

package server

import (
	"bufio"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"
)

func TestTimeouts(t *testing.T) {
	short := 300 * time.Millisecond
	s := startServer(t, Config{IdleTimeout: short, HeaderTimeout: short, BodyTimeout: short, WriteTimeout: short})

	t.Run("idle keep-alive connection: closed, no 408", func(t *testing.T) {
		c := dial(t, s)
		br := bufio.NewReader(c)
		io.WriteString(c, get)
		readReply(t, br, "GET")
		expectEOF(t, br) // after IdleTimeout
	})
	t.Run("a client that connects and sends nothing: closed, no 408", func(t *testing.T) {
		expectEOF(t, bufio.NewReader(dial(t, s)))
	})
	t.Run("a head that never ends: 408", func(t *testing.T) {
		c := dial(t, s)
		io.WriteString(c, "GET /plaintext HTTP/1.1\r\nHost: t\r\n")
		br := bufio.NewReader(c)
		if r := readReply(t, br, "GET"); r.status != 408 || !r.close {
			t.Fatalf("%d close=%v, want 408 and close", r.status, r.close)
		}
		expectEOF(t, br)
	})
	t.Run("dribbling bytes does not push the header deadline back", func(t *testing.T) {
		// A byte every 20 ms, for 1000 bytes: 20 s, far past HeaderTimeout.
		// If each byte moved the deadline, the 408 could only come after
		// the last one. No timing is asserted: only which came first.
		c := dial(t, s)
		finished := make(chan struct{}) // closed once all 1000 bytes are out
		go func() {
			head := "GET /plaintext HTTP/1.1\r\nHost: t\r\nX: "
			for i := 0; i < 1000; i++ {
				b := byte('a')
				if i < len(head) {
					b = head[i]
				}
				if _, err := c.Write([]byte{b}); err != nil {
					return // closed after the 408: as it should be
				}
				time.Sleep(20 * time.Millisecond)
			}
			close(finished)
		}()
		br := bufio.NewReader(c)
		if r := readReply(t, br, "GET"); r.status != 408 {
			t.Fatalf("status %d, want 408", r.status)
		}
		select {
		case <-finished:
			t.Fatal("the 408 came only after the dribble ended: each byte moved the deadline")
		default:
		}
	})
	t.Run("a body that never ends: 408", func(t *testing.T) {
		c := dial(t, s)
		io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
		if r := readReply(t, bufio.NewReader(c), "POST"); r.status != 408 {
			t.Fatalf("status %d, want 408", r.status)
		}
	})
	t.Run("a client that takes no output: closed", func(t *testing.T) {
		c := dial(t, s)
		io.WriteString(c, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
		servertest.WaitUntil(t, "the server to wait for EPOLLOUT", func() bool { return Total(s.Stats()).OutputWaits > 0 })
		before := Total(s.Stats()).Timeouts
		servertest.WaitUntil(t, "the write timeout", func() bool { return Total(s.Stats()).Timeouts > before })
		// What the client reads now is a cut-off response, then the close.
		c.SetReadDeadline(time.Now().Add(patience))
		n, err := io.Copy(io.Discard, c)
		if err != nil && !isReset(err) {
			t.Fatalf("after the write timeout: %v", err)
		}
		if n >= int64(len(bigBody)) {
			t.Fatalf("read %d bytes: the whole response, so no timeout happened", n)
		}
	})
}

func TestHalfClosedClientGetsItsAnswers(t *testing.T) {
	s := startServer(t, Config{})
	c := dial(t, s)
	io.WriteString(c, get+"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi")
	c.(*net.TCPConn).CloseWrite() // shutdown(SHUT_WR): the server reads end of file
	br := bufio.NewReader(c)
	if r := readReply(t, br, "GET"); r.body != "Hello, World!" {
		t.Fatalf("first: %q", r.body)
	}
	if r := readReply(t, br, "POST"); r.body != "hi" {
		t.Fatalf("second: %q", r.body)
	}
	expectEOF(t, br)
}

func TestAResetMidResponseClosesOnlyThatConnection(t *testing.T) {
	s := startServer(t, Config{Loops: 1})
	before := servertest.OpenFDs(t)
	for i := 0; i < 10; i++ {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
		io.ReadFull(c, make([]byte, 1000)) // the response has begun
		c.(*net.TCPConn).SetLinger(0)      // close(2) now sends RST: the server's writes fail
		c.Close()
	}
	other := dial(t, s)
	io.WriteString(other, get)
	if r := readReply(t, bufio.NewReader(other), "GET"); r.body != "Hello, World!" {
		t.Fatalf("another client: %q", r.body)
	}
	other.Close()
	servertest.WaitUntil(t, "every connection closed", func() bool { return openConns(s) == 0 })
	servertest.WaitUntil(t, "descriptors back", func() bool { return servertest.OpenFDs(t) <= before })
}

func TestMaxConnsAnswers503(t *testing.T) {
	s := startServer(t, Config{MaxConns: 5, Loops: 1})
	var held []net.Conn
	for i := 0; i < 5; i++ {
		c := dial(t, s)
		io.WriteString(c, get)
		readReply(t, bufio.NewReader(c), "GET") // accepted and served
		held = append(held, c)
	}
	extra := dial(t, s)
	br := bufio.NewReader(extra)
	if r := readReply(t, br, "GET"); r.status != 503 || !r.close || r.header.Get("Retry-After") == "" {
		t.Fatalf("past the limit: %d close=%v, want 503, Retry-After and close", r.status, r.close)
	}
	held[0].Close()
	servertest.WaitUntil(t, "a slot to free", func() bool { return openConns(s) < 5 })
	c := dial(t, s)
	io.WriteString(c, get)
	if r := readReply(t, bufio.NewReader(c), "GET"); r.status != 200 {
		t.Fatalf("after a slot freed: %d", r.status)
	}
	if rejected := Total(s.Stats()).Rejected; rejected != 1 {
		t.Fatalf("rejected = %d, want 1", rejected)
	}
}

func TestShutdownFinishesWhatIsInFlight(t *testing.T) {
	s, err := New(Config{Addr: "127.0.0.1:0", Loops: 2, Handler: HandlerFunc(testHandler), DrainTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	idle := dial(t, s)
	io.WriteString(idle, get)
	idleReader := bufio.NewReader(idle)
	readReply(t, idleReader, "GET")
	busy := dial(t, s)
	io.WriteString(busy, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhello")
	servertest.WaitUntil(t, "the half body read", func() bool { return Total(s.Stats()).BytesIn > 60 })

	s.Shutdown()
	expectEOF(t, idleReader) // idle: closed at once
	// A connect may still complete in the kernel's queue before the other
	// loop has closed its listener; what must not happen is an answer.
	if late, err := net.DialTimeout("tcp", s.Addr().String(), time.Second); err == nil {
		late.SetDeadline(time.Now().Add(patience))
		io.WriteString(late, get)
		if answer, _ := io.ReadAll(late); len(answer) > 0 {
			t.Fatalf("a connection made while draining was served: %q", answer)
		}
		late.Close()
	}
	io.WriteString(busy, "world")
	br := bufio.NewReader(busy)
	if r := readReply(t, br, "POST"); r.body != "helloworld" || !r.close {
		t.Fatalf("the request in flight: %q close=%v", r.body, r.close)
	}
	expectEOF(t, br)
	busy.Close() // our FIN ends the server's linger at once
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(patience):
		t.Fatal("Serve did not return after the last connection closed")
	}
}

// A pipelined stream in which every write ends one request and begins the
// next is never idle and never complete, yet no request in it is slow. Each
// request must get its own header (or body) time, counted from its own
// first byte, not from the stream's.
func TestEachPipelinedRequestGetsItsOwnTime(t *testing.T) {
	limit := 2 * time.Second
	s := startServer(t, Config{HeaderTimeout: limit, BodyTimeout: limit})
	for _, tt := range []struct {
		name, request string
		cut           int // each write stops this many bytes before a request ends
	}{
		{"heads", get, 18},
		{"bodies", "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123456789", 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := dial(t, s)
			br := bufio.NewReader(c)
			method := strings.Fields(tt.request)[0]
			// 45 writes, 100 ms apart: 4.5 s of stream, more than twice the
			// limit, with no request taking more than 100 ms to arrive.
			const writes = 45
			io.WriteString(c, tt.request[:len(tt.request)-tt.cut])
			for i := 1; i < writes; i++ {
				time.Sleep(100 * time.Millisecond)
				io.WriteString(c, tt.request[len(tt.request)-tt.cut:]+tt.request[:len(tt.request)-tt.cut])
				if r := readReply(t, br, method); r.status != 200 {
					t.Fatalf("request %d of the stream: %d, want 200", i, r.status)
				}
			}
		})
	}
}

// The write timeout is for a client that takes nothing. One that reads
// slowly but steadily may take longer than the timeout to free the third
// of a socket buffer that EPOLLOUT waits for; it must not be cut off. This
// client reads 4 KiB every 10 ms through a small receive buffer, for three
// times the timeout, and must see neither an end of file nor a timeout.
// (EPOLLOUT would need over a megabyte read: more than the timeout at this
// pace. The timeout is long so that a loaded machine's pauses fit in it.)
func TestSlowSteadyReaderIsNotCutOff(t *testing.T) {
	limit := 2 * time.Second
	s := startServer(t, Config{WriteTimeout: limit, Loops: 1})
	d := net.Dialer{Timeout: patience, Control: func(_, _ string, raw syscall.RawConn) error {
		var err error
		raw.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return err
	}}
	c, err := d.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
	buf := make([]byte, 4096)
	total := 0
	for start := time.Now(); time.Since(start) < 3*limit; {
		c.SetReadDeadline(time.Now().Add(patience))
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("after %d bytes read steadily: %v (cut off as if it read nothing)", total, err)
		}
		total += n
		time.Sleep(10 * time.Millisecond)
	}
	if got := Total(s.Stats()).Timeouts; got != 0 {
		t.Fatalf("%d timeouts for a client that kept reading", got)
	}
	t.Logf("read %d KiB in %v without a timeout", total>>10, 3*limit)
}
