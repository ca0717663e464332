//go:build linux

package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"
)

// patience bounds every wait in these tests: servertest's, shared by all
// the course's tests. Tests wait for events, not for time to pass, so a
// fast machine never waits this long.
const patience = servertest.Patience

// testHandler is a small set of routes for the server's own tests.
func testHandler(w *ResponseWriter, r *Request) {
	switch string(r.Path) {
	case "/plaintext":
		w.Text(200, "Hello, World!")
	case "/echo":
		w.SetHeader("Content-Type", "application/octet-stream")
		w.Write(r.Body)
	case "/big":
		w.SetHeader("Content-Type", "application/octet-stream")
		w.Write(bigBody)
	case "/panic":
		panic("a handler bug")
	case "/close":
		w.Close()
		w.Text(200, "bye")
	default:
		w.Text(404, "not found\n")
	}
}

// bigBody is larger than any socket buffer Linux will give a loopback
// connection (tcp_wmem and tcp_rmem top out at a few MiB).
var bigBody = []byte(strings.Repeat("0123456789abcdef", 1<<20)) // 16 MiB

// startServer runs a Server in this process; it is closed when the test ends.
func startServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Handler == nil {
		cfg.Handler = HandlerFunc(testHandler)
	}
	if cfg.Loops == 0 {
		cfg.Loops = 2
	}
	if cfg.ErrorLog == nil {
		cfg.ErrorLog = io.Discard // the tests that expect a panic's report give their own
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	serveUntilCleanup(t, s, func(from state, on event, _ state) { taken.record(from, on) })
	return s
}

// serveUntilCleanup runs s, each move of its loops told to observe, and
// closes it when the test ends.
func serveUntilCleanup(t testing.TB, s *Server, observe func(from state, on event, to state)) {
	for _, l := range s.loops {
		l.observe = observe
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	t.Cleanup(func() {
		s.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(patience):
			t.Error("the loops did not stop")
		}
	})
}

func dial(t testing.TB, s *Server) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr().String(), patience)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetDeadline(time.Now().Add(patience))
	t.Cleanup(func() { c.Close() })
	return c
}

type reply struct {
	status int
	header http.Header
	body   string
	close  bool
}

func readReply(t testing.TB, br *bufio.Reader, method string) reply {
	t.Helper()
	req, _ := http.NewRequest(method, "/", nil)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		t.Fatalf("reading a response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading a body: %v", err)
	}
	return reply{resp.StatusCode, resp.Header, string(body), resp.Close}
}

// expectEOF checks that the server closed the connection, with nothing
// more sent (a second response would be a smuggled one).
func expectEOF(t testing.TB, br *bufio.Reader) {
	t.Helper()
	rest, err := io.ReadAll(br)
	if err != nil && !isReset(err) {
		t.Fatalf("waiting for the close: %v", err)
	}
	if len(rest) != 0 {
		t.Fatalf("after the last response the server sent %q", rest)
	}
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

func openConns(s *Server) uint64 { return Total(s.Stats()).ConnectionsOpen }

const get = "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n"
