package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// One server for every test: gnet keeps its engines by address, so two at
// "tcp://127.0.0.1:0" at once would be one too many.
var serverAddr string

func TestMain(m *testing.M) {
	tick(time.Now())
	ready := make(chan string, 1)
	failed := make(chan error, 1)
	go func() {
		s := &server{ready: func(addr string) { ready <- addr }}
		failed <- gnet.Run(s, "tcp://127.0.0.1:0", gnet.WithMulticore(false), gnet.WithLogger(stderrLogger{}))
	}()
	select {
	case serverAddr = <-ready:
	case err := <-failed:
		fmt.Fprintln(os.Stderr, "gnet did not start:", err)
		os.Exit(1)
	case <-time.After(30 * time.Second):
		fmt.Fprintln(os.Stderr, "gnet did not start within 30s")
		os.Exit(1)
	}
	os.Exit(m.Run()) // and the server with it
}

// dial connects with a generous deadline for the whole exchange.
func dial(t *testing.T) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", serverAddr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return c, bufio.NewReader(c)
}

func send(t *testing.T, c net.Conn, raw string) {
	t.Helper()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
}

// expect reads one response and checks its status, body and whether it
// announced the connection's close.
func expect(t *testing.T, r *bufio.Reader, method string, status int, body string, closing bool) {
	t.Helper()
	resp, err := http.ReadResponse(r, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	if resp.StatusCode != status || string(got) != body || resp.Close != closing {
		t.Fatalf("got %d %q close=%v, want %d %q close=%v", resp.StatusCode, got, resp.Close, status, body, closing)
	}
	if resp.Header.Get("Date") == "" || resp.Header.Get("Content-Length") == "" {
		t.Fatalf("no Date or Content-Length: %v", resp.Header)
	}
}

// expectEOF checks that the server closed the connection.
func expectEOF(t *testing.T, r *bufio.Reader) {
	t.Helper()
	if b, err := r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last response: %q, %v; want EOF", b, err)
	}
}

const get = "GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n"

func TestKeepAliveAnswersEachRequestOnOneConnection(t *testing.T) {
	c, r := dial(t)
	for range 3 {
		send(t, c, get)
		expect(t, r, "GET", 200, "Hello, World!", false)
	}
}

func TestPipelinedBatchGetsEveryAnswerInOrder(t *testing.T) {
	c, r := dial(t)
	send(t, c, strings.Repeat(get, 15)+"HEAD /plaintext?x=1 HTTP/1.1\r\nHost: a\r\n\r\n")
	for range 15 {
		expect(t, r, "GET", 200, "Hello, World!", false)
	}
	expect(t, r, "HEAD", 200, "", false)
	send(t, c, get) // still open
	expect(t, r, "GET", 200, "Hello, World!", false)
}

func TestRequestSplitAcrossWritesIsAnsweredOnce(t *testing.T) {
	c, r := dial(t)
	for _, part := range []string{"GET /plain", "text HTTP/1.1\r\nHo", "st: a\r\n\r", "\n"} {
		send(t, c, part)
	}
	expect(t, r, "GET", 200, "Hello, World!", false)
	send(t, c, get)
	expect(t, r, "GET", 200, "Hello, World!", false)
}

// Whether the parts above reach the server in one read or four is the
// kernel's choice; every way a request can be cut is tried here.
func TestSplitWaitsForTheWholeRequest(t *testing.T) {
	raw := "POST /plaintext HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
	for i := range len(raw) {
		if _, _, err := split([]byte(raw[:i])); !errors.Is(err, errIncomplete) {
			t.Fatalf("split(%q): %v, want errIncomplete", raw[:i], err)
		}
	}
	req, n, err := split([]byte(raw + get))
	if err != nil || n != len(raw) || string(req.method) != "POST" || string(req.path) != "/plaintext" || req.close {
		t.Fatalf("split: %+v %d %v", req, n, err)
	}
}

func TestConnectionCloseAnswersThenCloses(t *testing.T) {
	c, r := dial(t)
	send(t, c, get+"GET /plaintext HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\n\r\n")
	expect(t, r, "GET", 200, "Hello, World!", false)
	expect(t, r, "GET", 200, "Hello, World!", true)
	expectEOF(t, r)
}

func TestHTTP10ClosesUnlessAskedToKeepAlive(t *testing.T) {
	c, r := dial(t)
	send(t, c, "GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	expect(t, r, "GET", 200, "Hello, World!", false)
	send(t, c, "GET /plaintext HTTP/1.0\r\n\r\n")
	expect(t, r, "GET", 200, "Hello, World!", true)
	expectEOF(t, r)
}

func TestBodyIsSkippedAndTheNextRequestAnswered(t *testing.T) {
	c, r := dial(t)
	send(t, c, "POST /plaintext HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhel")
	send(t, c, "lo"+get)
	expect(t, r, "POST", 405, "method not allowed\n", false)
	expect(t, r, "GET", 200, "Hello, World!", false)
}

func TestOtherPathsAre404(t *testing.T) {
	c, r := dial(t)
	send(t, c, "GET /plaintextx HTTP/1.1\r\nHost: a\r\n\r\n")
	expect(t, r, "GET", 404, "not found\n", false)
}

func TestRefusedRequestsGetTheirStatusThenClose(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		status    int
	}{
		{"chunked", "POST /plaintext HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
		{"no target", "GET HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"field without colon", "GET /plaintext HTTP/1.1\r\nHost a\r\n\r\n", 400},
		{"lengths disagree", "POST /plaintext HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
		{"length not digits", "POST /plaintext HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
		{"body too large", "POST /plaintext HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 413},
		{"head too large", "GET /plaintext HTTP/1.1\r\nX: " + strings.Repeat("a", maxHead) + "\r\n\r\n", 431},
		{"version", "GET /plaintext HTTP/2.0\r\n\r\n", 505},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, r := dial(t)
			send(t, c, tc.raw)
			expect(t, r, "GET", tc.status, statusText(tc.status)+"\n", true)
			expectEOF(t, r)
		})
	}
}
