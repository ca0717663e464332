//go:build linux

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"
)

// Each client's fair share: what one connection may hold (descriptors),
// how much of a wakeup it may take (bytes written), and how long a drain
// waits for it (no longer than its last response). The real command, over
// loopback, as in the fault campaign.

// TestPipelinedFileRequestsHoldOneFileEach: clients that pipeline
// thousands of requests for a small file and read nothing leave the server
// holding at most their socket and one open file each, and the server
// keeps serving files to others. Before the engine stopped parsing while a
// file was queued, each such client held one descriptor per queued
// response (up to a hundred here): forty of them took the server to its
// limit of 1024 descriptors, and requests got 503 "out of file descriptors".
func TestPipelinedFileRequestsHoldOneFileEach(t *testing.T) {
	const (
		clients   = 40
		perClient = 2500 // 5 MB of answers: more than a loopback socket's send buffer (about 4 MB)
		limit     = 1024 // descriptors: a common default, and what makes the old failure visible
	)
	root := t.TempDir()
	small := strings.Repeat("x", 2047) + "\n"
	must(t, os.WriteFile(filepath.Join(root, "small.txt"), []byte(small), 0o644))
	s := servertest.StartEnv(t, []string{servertest.NoFileEnv + "=" + strconv.Itoa(limit)},
		"-addr", "127.0.0.1:0", "-loops", "2", "-quiet", "-root", root)
	before := s.OpenFDs(t)

	batch := strings.Repeat("GET /static/small.txt HTTP/1.1\r\nHost: t\r\n\r\n", perClient)
	conns := make([]net.Conn, clients)
	var wg sync.WaitGroup
	writeErrs := make(chan error, clients)
	for i := range conns {
		conns[i] = dialSmallWindow(t, s.Addr)
		defer conns[i].Close()
		wg.Add(1)
		go func(c net.Conn) { // the write may wait while the server stops reading
			defer wg.Done()
			c.SetWriteDeadline(time.Now().Add(servertest.Patience))
			if _, err := io.WriteString(c, batch); err != nil {
				writeErrs <- err
			}
		}(conns[i])
	}
	// The server's descriptors stay within a socket and one file per
	// connection, while every client's socket fills up and its connection
	// waits for EPOLLOUT; meanwhile other clients get their files.
	const bound = 2*clients + 16 // a socket and a file each; a few for the other clients
	most := 0
	held := func() {
		most = max(most, s.OpenFDs(t)-before)
		if most > bound {
			t.Fatalf("the server held %d descriptors more for %d connections (bound %d)", most, clients, bound)
		}
	}
	servertest.WaitUntil(t, "every pipelining client to wait for output", func() bool {
		held()
		return outputWaits(t, s.Addr) >= clients
	})
	for i := 0; i < 20; i++ {
		resp, body := get(t, "http://"+s.Addr+"/static/small.txt")
		if resp.StatusCode != 200 || body != small {
			t.Fatalf("another client, request %d: %d %q", i, resp.StatusCode, firstLine([]byte(body)))
		}
		held()
	}
	t.Logf("%d clients pipelining %d file requests each without reading: the server held at most %d descriptors more (bound %d)",
		clients, perClient, most, bound)

	// Once they read, every client gets all its answers, in order.
	errs := make(chan error, clients)
	for _, c := range conns {
		go func(c net.Conn) {
			c.SetReadDeadline(time.Now().Add(servertest.Patience))
			errs <- readResponses(bufio.NewReader(c), perClient, 200, len(small))
		}(c)
	}
	for range conns {
		if err := <-errs; err != nil {
			t.Errorf("a pipelining client reading its answers: %v", err)
		}
	}
	wg.Wait()
	close(writeErrs)
	for err := range writeErrs {
		t.Errorf("a pipelining client sending its requests: %v", err)
	}
}

// dialSmallWindow connects with a 4 KiB receive buffer (socket(7):
// SO_RCVBUF, set before connect so the window is small from the start),
// so that a client that does not read fills its connection quickly.
func dialSmallWindow(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: servertest.Patience, Control: func(_, _ string, raw syscall.RawConn) error {
		var err error
		raw.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return err
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return c
}

// outputWaits reads the server's output_waits counter: how many times a
// connection's socket was full and it went over to EPOLLOUT.
func outputWaits(t *testing.T, addr string) int {
	t.Helper()
	_, body := get(t, "http://"+addr+"/stats")
	_, total, _ := strings.Cut(body, `"total":`)
	m := regexp.MustCompile(`"output_waits": (\d+)`).FindStringSubmatch(total)
	if m == nil {
		t.Fatalf("/stats has no total output_waits:\n%s", body)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// readResponses reads n responses framed by Content-Length, each with the
// given status and body length. It runs on a client's own goroutine, so
// it returns what went wrong rather than failing the test itself.
func readResponses(br *bufio.Reader, n, status, bodyLen int) error {
	for i := 0; i < n; i++ {
		line, err := br.ReadString('\n')
		if err != nil {
			return fmt.Errorf("response %d of %d: %w", i+1, n, err)
		}
		if !strings.HasPrefix(line, "HTTP/1.1 "+strconv.Itoa(status)+" ") {
			return fmt.Errorf("response %d of %d: %q", i+1, n, line)
		}
		length := -1
		for {
			line, err = br.ReadString('\n')
			if err != nil {
				return fmt.Errorf("response %d of %d: %w", i+1, n, err)
			}
			if line == "\r\n" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		if length != bodyLen {
			return fmt.Errorf("response %d of %d: Content-Length %d, want %d", i+1, n, length, bodyLen)
		}
		if _, err := br.Discard(length); err != nil {
			return fmt.Errorf("response %d of %d: body: %w", i+1, n, err)
		}
	}
	return nil
}

// TestOneWakeupWritesAtMostTheQuota pins the structure that keeps a loop
// fair: whatever a connection asks for, one wakeup writes at most the
// write quota (256 KiB, final/server/write.go) to it, plus the heads that
// go with it; then the loop moves on to the others. Clients that read as
// fast as loopback allows are the ones that could take more: downloads of
// a large file, and a client pipelining requests for a file smaller than
// the quota. The -trace of the one loop shows every write and sendfile
// with its result, between the epoll_wait calls that begin each wakeup.
// (The latency this buys the other clients is a measurement, not a test:
// scripts/final-fairshare.sh.)
func TestOneWakeupWritesAtMostTheQuota(t *testing.T) {
	const (
		bigSize = 16 << 20
		midSize = 200 << 10 // less than the quota
	)
	root := t.TempDir()
	big, err := os.Create(filepath.Join(root, "big.bin"))
	must(t, err)
	must(t, big.Truncate(bigSize)) // sparse: zeros, from the page cache
	big.Close()
	must(t, os.WriteFile(filepath.Join(root, "mid.bin"), make([]byte, midSize), 0o644))

	t.Run("two large downloads", func(t *testing.T) {
		mostPerWakeup(t, root, []fetch{{"/static/big.bin", 1, bigSize}, {"/static/big.bin", 1, bigSize}})
	})
	t.Run("files under the quota, pipelined", func(t *testing.T) {
		// The quota is per event, not per file: twenty pipelined 200 KiB
		// files must not fill the whole socket (about 4 MB) in one wakeup.
		mostPerWakeup(t, root, []fetch{{"/static/mid.bin", 20, midSize}, {"/static/big.bin", 1, bigSize}})
	})
}

// fetch is one client: path asked n times in one write.
type fetch struct {
	path string
	n    int
	size int
}

// mostPerWakeup runs the clients against a one-loop server with -trace,
// and fails if one wakeup wrote more than the quota to one connection.
func mostPerWakeup(t *testing.T, root string, clients []fetch) {
	const (
		quota    = 256 << 10
		headroom = 16 << 10 // response heads, written beside the quota
	)
	s := startFinal(t, "-loops", "1", "-quiet", "-trace", "-root", root)
	errs := make(chan error, len(clients))
	for _, f := range clients {
		go func() { errs <- download(s.Addr, f.path, f.n, f.size) }()
	}
	for range clients {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	s.Stop(t) // the whole trace is in

	call := regexp.MustCompile(`^loop 0: (write|sendfile)\((\d+), .*\) = (\d+)$`)
	wakeups, most, mostFD := 0, 0, ""
	var written map[string]int // this wakeup's bytes, by connection
	for _, line := range strings.Split(s.Stderr.String(), "\n") {
		if strings.HasPrefix(line, "loop 0: epoll_wait(") {
			wakeups++
			written = map[string]int{}
			continue
		}
		m := call.FindStringSubmatch(line)
		if m == nil || written == nil {
			continue
		}
		n, _ := strconv.Atoi(m[3])
		written[m[2]] += n
		if written[m[2]] > most {
			most, mostFD = written[m[2]], m[2]
		}
	}
	t.Logf("%d wakeups; the most one wakeup wrote to one connection: %d bytes (fd %s; quota %d)", wakeups, most, mostFD, quota)
	if most == 0 {
		t.Fatalf("no write or sendfile in the trace:\n%s", tail(s.Stderr.String(), 2000))
	}
	if most > quota+headroom {
		t.Fatalf("one wakeup wrote %d bytes to fd %s, more than the quota of %d (+%d for heads)", most, mostFD, quota, headroom)
	}
}

// download asks for path n times in one write (pipelined) and reads every
// answer as fast as it comes, checking the sizes.
func download(addr, path string, n, size int) error {
	c, err := net.DialTimeout("tcp", addr, servertest.Patience)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(servertest.Patience))
	if _, err := io.WriteString(c, strings.Repeat("GET "+path+" HTTP/1.1\r\nHost: t\r\n\r\n", n)); err != nil {
		return err
	}
	if err := readResponses(bufio.NewReaderSize(c, 256<<10), n, 200, size); err != nil {
		return fmt.Errorf("GET %s ×%d: %w", path, n, err)
	}
	return nil
}

// TestDrainEndsWhenTheLastResponseIsOut: a large file is on its way to a
// keep-alive client when SIGTERM comes. The drain lets it finish, then
// closes that connection at once (its response is out and nothing else is
// owed), and the server exits as soon as it has no connection left: long
// before -drain-timeout, which bounds the drain, not sets its length.
// Before, the connection went back to idle once its response was out, and
// the server waited out the whole timeout.
func TestDrainEndsWhenTheLastResponseIsOut(t *testing.T) {
	const (
		size         = 64 << 20 // far more than loopback's socket buffers hold
		drainTimeout = 60 * time.Second
	)
	root := t.TempDir()
	big, err := os.Create(filepath.Join(root, "big.bin"))
	must(t, err)
	must(t, big.Truncate(size))
	big.Close()
	s := startFinal(t, "-loops", "1", "-quiet", "-root", root, "-drain-timeout", drainTimeout.String())

	c, err := net.DialTimeout("tcp", s.Addr, servertest.Patience)
	must(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(servertest.Patience))
	io.WriteString(c, "GET /static/big.bin HTTP/1.1\r\nHost: t\r\n\r\n") // keep-alive: no Connection: close
	br := bufio.NewReaderSize(c, 64<<10)
	head := readHead(t, br)
	if !strings.HasPrefix(head, "HTTP/1.1 200 ") || !strings.Contains(head, "Content-Length: "+strconv.Itoa(size)+"\r\n") {
		t.Fatalf("the head of the download: %q", head)
	}
	if _, err := br.Discard(1 << 20); err != nil { // the download is under way
		t.Fatal(err)
	}

	signalled := time.Now()
	s.Signal(t, syscall.SIGTERM)
	if _, err := s.Stderr.WaitFor(regexp.MustCompile(`finishing requests in flight`), servertest.Patience); err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(servertest.Patience))
	if _, err := br.Discard(size - 1<<20); err != nil {
		t.Fatalf("the rest of the download: %v", err)
	}
	delivered := time.Since(signalled)
	// The response is out: the server ends the connection (its FIN).
	if n, err := br.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last response of a drain: read %d bytes, %v; want end of file", n, err)
	}
	c.Close()
	if code := s.Wait(t, servertest.Patience); code != 0 {
		t.Fatalf("exit status %d", code)
	}
	exited := time.Since(signalled)
	t.Logf("SIGTERM with %d MiB in flight: delivered after %v, exited after %v (-drain-timeout %v)",
		size>>20, delivered.Round(time.Millisecond), exited.Round(time.Millisecond), drainTimeout)
	if exited > drainTimeout/2 {
		t.Fatalf("the server exited %v after SIGTERM, near -drain-timeout %v", exited, drainTimeout)
	}
}

// readHead reads a response head up to its blank line.
func readHead(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	var head strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading a response head: %v (so far %q)", err, head.String())
		}
		head.WriteString(line)
		if line == "\r\n" {
			return head.String()
		}
	}
}
