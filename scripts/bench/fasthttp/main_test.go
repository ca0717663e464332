package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// serve starts the benchmark's handler on a loopback port of its own.
func serve(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fasthttp.Server{Handler: handle, Name: "fasthttp"}
	go s.Serve(ln)
	t.Cleanup(func() { s.Shutdown() })
	return ln.Addr().String()
}

// TestAnswersAsTheBenchmarkNeeds sends what wrk sends in each case of
// scripts/bench.sh, on one connection: a keep-alive request, a pipelined
// batch with a HEAD in it, a wrong method, then Connection: close.
func TestAnswersAsTheBenchmarkNeeds(t *testing.T) {
	c, err := net.DialTimeout("tcp", serve(t), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	get := "GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n"
	raw := get + strings.Repeat(get, 3) + "HEAD /plaintext HTTP/1.1\r\nHost: a\r\n\r\n" +
		"POST /plaintext HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n" +
		"GET /plaintext HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		method, body, allow string
		status              int
		close               bool
	}{
		{"GET", "Hello, World!", "", 200, false},
		{"GET", "Hello, World!", "", 200, false},
		{"GET", "Hello, World!", "", 200, false},
		{"GET", "Hello, World!", "", 200, false},
		{"HEAD", "", "", 200, false},
		{"POST", "method not allowed\n", "GET, HEAD", 405, false},
		{"GET", "Hello, World!", "", 200, true},
	} {
		resp, err := http.ReadResponse(r, &http.Request{Method: want.method})
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("response %d: body: %v", i, err)
		}
		if resp.StatusCode != want.status || string(body) != want.body || resp.Close != want.close ||
			resp.Header.Get("Allow") != want.allow || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("response %d: %d %q close=%v %v", i, resp.StatusCode, body, resp.Close, resp.Header)
		}
	}
	if b, err := r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("after Connection: close: %q, %v; want EOF", b, err)
	}
}
