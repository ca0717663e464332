//go:build linux

package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"

	"golang.org/x/sys/unix"
)

// noOpenat2Env, set to 1 in a server child's environment, makes openat2
// fail with ENOSYS there, as it does on a kernel older than 5.6, so the
// static files go through the fallback of staticFiles.open. No such kernel
// is at hand, and the fallback would otherwise never run.
const noOpenat2Env = "EPOLLHTTP_TEST_NO_OPENAT2"

// noOpenat2Line is what the child prints the first time it takes the
// fallback: the test waits for it, so it cannot pass through openat2 by
// mistake.
const noOpenat2Line = "test: openat2 -> ENOSYS"

// The child is this test binary, re-executed (servertest.RunIfChild), so
// this init runs in it before the server starts.
func init() {
	if os.Getenv(noOpenat2Env) != "1" {
		return
	}
	var once sync.Once
	openat2 = func(int, string, *unix.OpenHow) (int, error) {
		once.Do(func() { fmt.Fprintln(os.Stderr, noOpenat2Line) })
		return -1, unix.ENOSYS
	}
}

// startWithoutOpenat2 starts the final server on a root with files, links
// that stay inside and links that lead out, as a kernel without openat2
// would run it.
func startWithoutOpenat2(t *testing.T) *servertest.Server {
	t.Helper()
	return servertest.StartEnv(t, []string{noOpenat2Env + "=1"},
		"-addr", "127.0.0.1:0", "-loops", "2", "-quiet", "-root", staticRootForTest(t))
}

// fetchRaw sends one GET on a fresh connection and returns the whole answer.
func fetchRaw(t *testing.T, addr, path string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(servertest.Patience))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path)
	answer, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return string(answer)
}

func tookTheFallback(t *testing.T, s *servertest.Server) {
	t.Helper()
	if _, err := s.Stderr.WaitFor(regexp.MustCompile(regexp.QuoteMeta(noOpenat2Line)), servertest.Patience); err != nil {
		t.Fatalf("the server never called the test's openat2 (%v): the fallback was not tested\nstderr:\n%s", err, s.Stderr)
	}
}

func TestWithoutOpenat2FilesInsideTheRootAreServed(t *testing.T) {
	s := startWithoutOpenat2(t)
	tests := []struct{ path, body string }{
		{"/static/hello.txt", "hello from the root\n"},
		{"/static/sub/", "sub index\n"},
		{"/static/inside-link.txt", "hello from the root\n"},
	}
	for _, tt := range tests {
		answer := fetchRaw(t, s.Addr, tt.path)
		if !strings.HasPrefix(answer, "HTTP/1.1 200 ") || !strings.HasSuffix(answer, "\r\n\r\n"+tt.body) {
			t.Errorf("GET %s without openat2: %q, want 200 and %q", tt.path, answer, tt.body)
		}
	}
	tookTheFallback(t, s)
}

func TestWithoutOpenat2NothingOutsideTheRootIsServed(t *testing.T) {
	s := startWithoutOpenat2(t)
	// The links reach the open call; the fallback must see where they
	// really lead. The paths with ".." never get that far, and are here
	// to show that the first wall holds without the second.
	attempts := []string{
		"/static/escape.txt",          // an absolute link to a file outside
		"/static/escape-relative.txt", // ../secret.txt
		"/static/escape-dir/secret.txt",
		"/static/../secret.txt",
		"/static/sub/../../secret.txt",
		"/static/%2e%2e/secret.txt",
	}
	for _, path := range attempts {
		answer := fetchRaw(t, s.Addr, path)
		if strings.Contains(answer, "SECRET") {
			t.Errorf("GET %s without openat2 served a file outside the root:\n%s", path, answer)
		}
		if !regexp.MustCompile(`^HTTP/1.1 (400|404) `).MatchString(answer) {
			t.Errorf("GET %s without openat2: %q, want 400 or 404", path, firstLine([]byte(answer)))
		}
	}
	tookTheFallback(t, s)
}
