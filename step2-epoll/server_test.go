//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"
	"epollhttp/step1-socket/sock"
)

// startServer runs a server in this test process, so the test can read its
// counters and count this process's descriptors.
func startServer(t *testing.T, cfg config) *server {
	t.Helper()
	cfg.addr = "127.0.0.1:0"
	if cfg.bufSize == 0 {
		cfg.bufSize = 4096
	}
	if cfg.backlog == 0 {
		cfg.backlog = 4096
	}
	s, err := newServer(cfg, &sock.Narrator{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.serve() }()
	t.Cleanup(func() {
		s.stop()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(servertest.Patience):
			t.Error("the loop did not stop")
		}
	})
	return s
}

var modes = []struct {
	name string
	cfg  config
}{
	{"level", config{}},
	{"level drain", config{drain: true}},
	{"edge drain", config{edge: true, drain: true}},
}

func dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, servertest.Patience)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetDeadline(time.Now().Add(servertest.Patience))
	t.Cleanup(func() { c.Close() })
	return c
}

// readReply reads one response and returns its status code and body.
func readReply(t testing.TB, br *bufio.Reader) (int, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading a response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading a body: %v", err)
	}
	return resp.StatusCode, string(body)
}

func expectHello(t testing.TB, br *bufio.Reader) {
	t.Helper()
	if code, body := readReply(t, br); code != 200 || body != replyBody {
		t.Fatalf("got %d %q, want 200 %q", code, body, replyBody)
	}
}

const get = "GET / HTTP/1.1\r\nHost: test\r\n\r\n"

func TestKeepAliveAnswersEveryRequest(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			s := startServer(t, m.cfg)
			c := dial(t, s.listener.Addr.String())
			br := bufio.NewReader(c)
			for range 5 { // one after another on one connection
				io.WriteString(c, get)
				expectHello(t, br)
			}
			io.WriteString(c, get+get+get) // pipelined in one write
			for range 3 {
				expectHello(t, br)
			}
			for _, piece := range []string{"GET / HT", "TP/1.1\r\nHost: te", "st\r\n", "\r\n"} {
				io.WriteString(c, piece) // one request split across writes
			}
			expectHello(t, br)
			io.WriteString(c, "POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello"+get)
			expectHello(t, br) // the body was skipped, not taken for a request
			expectHello(t, br)
			if got := s.counters.requests.Load(); got != 11 {
				t.Fatalf("requests = %d, want 11", got)
			}
		})
	}
}

// bigRequest is a request head larger than the read buffer used with it.
func bigRequest(size int) string {
	filler := size - len("GET / HTTP/1.1\r\nHost: test\r\nX-Filler: \r\n\r\n")
	return "GET / HTTP/1.1\r\nHost: test\r\nX-Filler: " + strings.Repeat("x", filler) + "\r\n\r\n"
}

func TestRequestLargerThanTheBuffer(t *testing.T) {
	t.Run("level and edge with drain answer", func(t *testing.T) {
		for _, m := range modes {
			cfg := m.cfg
			cfg.bufSize = 16
			s := startServer(t, cfg)
			c := dial(t, s.listener.Addr.String())
			io.WriteString(c, bigRequest(300))
			expectHello(t, bufio.NewReader(c))
		}
	})
	t.Run("edge without drain stalls", func(t *testing.T) {
		s := startServer(t, config{edge: true, drain: false, bufSize: 16})
		c := dial(t, s.listener.Addr.String())
		io.WriteString(c, bigRequest(300)) // one write: one arrival, one edge
		// The server reads 16 bytes per edge and no new edge comes, so no
		// answer can ever come. A bounded wait shows it.
		c.SetReadDeadline(time.Now().Add(time.Second))
		if n, err := c.Read(make([]byte, 1)); n != 0 || !isTimeout(err) {
			t.Fatalf("got an answer (n=%d, err=%v); edge mode without drain should stall", n, err)
		}
		if reads := s.counters.reads.Load(); reads > 2 {
			t.Fatalf("reads = %d; one edge should have given one read", reads)
		}
		// The loop itself is fine: bytes that come in separate arrivals, each
		// read before the next comes, are all read. (Two writes close
		// together can land before the loop looks and make a single edge:
		// hence the wait for the first read.)
		c2 := dial(t, s.listener.Addr.String())
		readsBefore := s.counters.reads.Load()
		io.WriteString(c2, "GET / HTTP/1.1\r\n")
		servertest.WaitUntil(t, "the first piece read", func() bool { return s.counters.reads.Load() > readsBefore })
		io.WriteString(c2, "\r\n")
		c2.SetReadDeadline(time.Now().Add(servertest.Patience))
		expectHello(t, bufio.NewReader(c2))
	})
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func TestThousandClientsAtOnceOneLoopNoLeak(t *testing.T) {
	const clients = 1000
	s := startServer(t, config{})
	before := servertest.OpenFDs(t)
	conns := make([]net.Conn, clients)
	for i := range conns {
		conns[i] = dial(t, s.listener.Addr.String())
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for _, c := range conns {
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			br := bufio.NewReader(c)
			for range 3 {
				io.WriteString(c, get)
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, resp.Body)
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a client failed: %v", err)
	}
	if got := s.counters.open.Load(); got != clients {
		t.Fatalf("open connections = %d, want %d: all are held at once", got, clients)
	}
	for _, c := range conns {
		c.Close()
	}
	servertest.WaitUntil(t, "the server to close every connection", func() bool { return s.counters.open.Load() == 0 })
	servertest.WaitUntil(t, "descriptors back to the count before", func() bool { return servertest.OpenFDs(t) <= before })
	t.Logf("%d clients, %d requests, %s", clients, s.counters.requests.Load(), &s.counters)
	if got := s.counters.requests.Load(); got != 3*clients {
		t.Fatalf("requests = %d, want %d", got, 3*clients)
	}
}

func TestClientsThatLeaveEarlyAreCleanedUp(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			s := startServer(t, m.cfg)
			before := servertest.OpenFDs(t)
			for i := range 60 {
				c, err := net.Dial("tcp", s.listener.Addr.String())
				if err != nil {
					t.Fatal(err)
				}
				io.WriteString(c, "GET / HTTP/1.1\r\nHo") // half a request
				switch i % 3 {
				case 0:
					c.Close()
				case 1:
					c.(*net.TCPConn).SetLinger(0) // close sends RST: ECONNRESET
					c.Close()
				case 2:
					c.(*net.TCPConn).CloseWrite() // half close: EPOLLRDHUP, then EOF
					io.ReadAll(c)                 // the server closes; no answer is owed
					c.Close()
				}
			}
			servertest.WaitUntil(t, "every connection closed", func() bool {
				return s.counters.accepts.Load() == 60 && s.counters.open.Load() == 0
			})
			servertest.WaitUntil(t, "descriptors back", func() bool { return servertest.OpenFDs(t) <= before })
		})
	}
}

func TestHalfClosedClientStillGetsItsAnswer(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			s := startServer(t, m.cfg)
			c := dial(t, s.listener.Addr.String())
			io.WriteString(c, get+get)
			c.(*net.TCPConn).CloseWrite() // shutdown(SHUT_WR): "I am done sending"
			br := bufio.NewReader(c)
			expectHello(t, br)
			expectHello(t, br)
			if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
				t.Fatalf("after the answers: %q, %v; want a clean end of file", rest, err)
			}
		})
	}
}

func TestErrorsAreAnsweredThenClosed(t *testing.T) {
	tests := []struct {
		name, request string
		status        int
	}{
		{"head over the limit", "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", maxHeadBytes+100), 431},
		{"Content-Length not a number", "POST / HTTP/1.1\r\nContent-Length: 5x\r\n\r\n", 400},
		{"body too large", "POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", 413},
		{"chunked needs step 3", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
		{"Connection: close", "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 200},
		{"HTTP/1.0", "GET / HTTP/1.0\r\n\r\n", 200},
	}
	for _, m := range modes {
		s := startServer(t, m.cfg)
		for _, tt := range tests {
			t.Run(m.name+"/"+tt.name, func(t *testing.T) {
				c := dial(t, s.listener.Addr.String())
				io.WriteString(c, tt.request)
				br := bufio.NewReader(c)
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				if resp.StatusCode != tt.status || !resp.Close {
					t.Fatalf("status %d close=%v, want %d and Connection: close", resp.StatusCode, resp.Close, tt.status)
				}
				if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
					t.Fatalf("after the response: %q, %v; want end of file", rest, err)
				}
			})
		}
	}
}

// After its last response the server sends its FIN and goes on reading,
// dropping what the client still sends, until the client's FIN: a lingering
// close. Closing at once, with those bytes unread, would send a reset that
// could cost the client its response.
func TestLingeringCloseKeepsTheLastResponse(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			s := startServer(t, m.cfg)
			c := dial(t, s.listener.Addr.String())
			io.WriteString(c, "GET / HTTP/1.0\r\n\r\n"+strings.Repeat("x", 20000))
			br := bufio.NewReader(c)
			expectHello(t, br)
			if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
				t.Fatalf("after the response: %q, %v; want the server's FIN", rest, err)
			}
			c.(*net.TCPConn).CloseWrite()
			servertest.WaitUntil(t, "the server to close", func() bool { return s.counters.open.Load() == 0 })
		})
	}
}

// sequentialTraffic sends the same requests, one after another, and
// returns the counters the server ended with.
func sequentialTraffic(t *testing.T, cfg config) *counters {
	s := startServer(t, cfg)
	c := dial(t, s.listener.Addr.String())
	br := bufio.NewReader(c)
	for range 10 {
		io.WriteString(c, bigRequest(2048))
		expectHello(t, br)
	}
	c.Close()
	servertest.WaitUntil(t, "the connection closed", func() bool { return s.counters.open.Load() == 0 })
	return &s.counters
}

func TestLevelModeWakesMoreOftenThanEdgeMode(t *testing.T) {
	// 2 KiB requests read 64 bytes at a time: level mode (one read per
	// wakeup) needs a wakeup per read; edge mode needs one per arrival.
	level := sequentialTraffic(t, config{bufSize: 64})
	edge := sequentialTraffic(t, config{edge: true, drain: true, bufSize: 64})
	t.Logf("level: %s", level)
	t.Logf("edge:  %s", edge)
	lw, ew := level.epollWaits.Load(), edge.epollWaits.Load()
	if lw < 300 || lw < 4*ew {
		t.Fatalf("epoll_wait: level %d, edge %d; want level >= 300 and >= 4x edge", lw, ew)
	}
	if level.readEAGAIN.Load() != 0 || edge.readEAGAIN.Load() == 0 {
		t.Fatalf("eagain: level %d, edge %d; level never reads to EAGAIN, edge always does",
			level.readEAGAIN.Load(), edge.readEAGAIN.Load())
	}
}

func TestClientThatDoesNotReadIsHeldBack(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			s := startServer(t, m.cfg)
			c := dial(t, s.listener.Addr.String())
			const requests = 100000
			sent := make(chan error, 1)
			go func() { // this write blocks once the server stops reading
				_, err := io.WriteString(c, strings.Repeat(get, requests))
				sent <- err
			}()
			servertest.WaitUntil(t, "the server to wait for EPOLLOUT", func() bool { return s.counters.epollOut.Load() > 0 })

			// Meanwhile everyone else is served.
			other := dial(t, s.listener.Addr.String())
			io.WriteString(other, get)
			expectHello(t, bufio.NewReader(other))

			// Now read every answer: none was lost while we held back.
			response := minihttpReply()
			got, err := io.CopyN(io.Discard, c, int64(requests*len(response)))
			if err != nil {
				t.Fatalf("read %d of %d response bytes: %v", got, requests*len(response), err)
			}
			if err := <-sent; err != nil {
				t.Fatal(err)
			}
			limit := int64(outHighWater + maxHeadBytes + 2*s.cfg.bufSize)
			t.Logf("%s", &s.counters)
			if peak := s.counters.maxBuffered.Load(); peak > limit {
				t.Fatalf("one client made the server hold %d bytes; the cap is about %d", peak, limit)
			}
		})
	}
}

func minihttpReply() string {
	return string(appendReply(nil, requestInfo{status: "200 OK"}))
}

func TestStopClosesEverything(t *testing.T) {
	before := servertest.OpenFDs(t)
	s, err := newServer(config{addr: "127.0.0.1:0", bufSize: 4096, backlog: 16}, &sock.Narrator{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.serve() }()
	c := dial(t, s.listener.Addr.String())
	io.WriteString(c, get)
	expectHello(t, bufio.NewReader(c))
	s.stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	c.Close()
	servertest.WaitUntil(t, fmt.Sprintf("descriptors back to %d", before), func() bool { return servertest.OpenFDs(t) <= before })
}

// Found while writing note 02: with the output capped at outHighWater, the
// requests left in the input must still be answered once the output has
// drained, even though no new bytes arrive to prompt it.
func TestPipelinedBatchLargerThanTheOutputCapIsAllAnswered(t *testing.T) {
	for _, m := range append(modes, struct {
		name string
		cfg  config
	}{"level 64k reads", config{bufSize: 65536}}) {
		t.Run(m.name, func(t *testing.T) {
			s := startServer(t, m.cfg)
			c := dial(t, s.listener.Addr.String())
			const requests = 3000
			go io.WriteString(c, strings.Repeat(get, requests))
			response := minihttpReply()
			if _, err := io.CopyN(io.Discard, c, int64(requests*len(response))); err != nil {
				t.Fatalf("answers stopped: %v (%s)", err, &s.counters)
			}
		})
	}
}
