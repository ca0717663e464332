//go:build linux

package server

import (
	"bufio"
	"io"
	"math"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"epollhttp/step1-socket/servertest"
	"epollhttp/step3-parse/httpparse"

	"golang.org/x/sys/unix"
)

// Bodies held while they arrive are bounded per loop: past the budget a
// new body gets 503 (and Retry-After), and the ones in flight finish.
func TestBodyBudgetAnswers503(t *testing.T) {
	s := startServer(t, Config{Loops: 1, MaxBodyBuffer: 1 << 20, Limits: httpparse.Limits{MaxBodyBytes: 1 << 20}})
	head := "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\n\r\n"
	first := dial(t, s)
	io.WriteString(first, head+strings.Repeat("a", 700<<10))
	servertest.WaitUntil(t, "the first body to be held", func() bool { return s.loops[0].stats.bytesIn.load() >= 700<<10 })
	second := dial(t, s)
	io.WriteString(second, head+strings.Repeat("b", 700<<10))
	br2 := bufio.NewReader(second)
	if r := readReply(t, br2, "POST"); r.status != 503 || r.header.Get("Retry-After") == "" || !r.close {
		t.Fatalf("second body: %d %v close=%v, want 503 with Retry-After, closed", r.status, r.header, r.close)
	}
	io.WriteString(first, strings.Repeat("a", 324<<10))
	if r := readReply(t, bufio.NewReader(first), "POST"); r.status != 200 || len(r.body) != 1<<20 {
		t.Fatalf("first body: %d, %d bytes", r.status, len(r.body))
	}
	servertest.WaitUntil(t, "the budget back to nothing held", func() bool { return Total(s.Stats()).HeldBytes == 0 })
	third := dial(t, s) // the budget is back: a body of the whole budget, in two reads
	io.WriteString(third, head+strings.Repeat("c", 512<<10))
	servertest.WaitUntil(t, "the third body to be held", func() bool { return Total(s.Stats()).HeldBytes > 0 })
	io.WriteString(third, strings.Repeat("c", 512<<10))
	if r := readReply(t, bufio.NewReader(third), "POST"); r.status != 200 || len(r.body) != 1<<20 {
		t.Fatalf("after the first finished: %d, %d bytes", r.status, len(r.body))
	}
	servertest.WaitUntil(t, "the budget back to nothing held", func() bool { return Total(s.Stats()).HeldBytes == 0 })
}

// With a small head limit, an empty line before a request line that runs
// to that limit used to panic the parser (a read past the limit) and kill
// the server: one request took it down. Now it gets its 414 or 431.
func TestAnEmptyLineBeforeALongRequestLineAtASmallHeadLimit(t *testing.T) {
	s := startServer(t, Config{Loops: 1, Limits: httpparse.Limits{MaxHeaderBytes: 64}})
	c := dial(t, s)
	io.WriteString(c, "\r\nGET /"+strings.Repeat("x", 47)+" HTTP/1.1\r\nHost: t\r\n\r\n")
	br := bufio.NewReader(c)
	if r := readReply(t, br, "GET"); (r.status != 414 && r.status != 431) || !r.close {
		t.Fatalf("%d, want 414 or 431 and the close", r.status)
	}
	expectEOF(t, br)
	again := dial(t, s)
	io.WriteString(again, "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n")
	if r := readReply(t, bufio.NewReader(again), "GET"); r.status != 200 {
		t.Fatalf("the next client: %d, want 200 (is the server still there?)", r.status)
	}
}

// With the body limit at its largest, a Content-Length one past it used to
// wrap to a negative number: the request had no body, and the body was
// read as the next request. Smuggling, through an overflow.
func TestContentLengthPastTheLargestLimitIsRefused(t *testing.T) {
	s := startServer(t, Config{Limits: httpparse.Limits{MaxBodyBytes: math.MaxInt64}})
	for _, length := range []string{"9223372036854775808", "18446744073709551616", "99999999999999999999"} {
		c := dial(t, s)
		smuggled := "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n"
		io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: "+length+"\r\n\r\n"+smuggled)
		br := bufio.NewReader(c)
		if r := readReply(t, br, "POST"); r.status != 413 || !r.close {
			t.Fatalf("Content-Length %s: %d, want 413 and close", length, r.status)
		}
		expectEOF(t, br)
	}
}

// The handler API cannot break framing.
func TestHandlerCannotBreakFraming(t *testing.T) {
	tmp, err := os.CreateTemp(t.TempDir(), "f")
	if err != nil {
		t.Fatal(err)
	}
	tmp.WriteString("file contents")
	tmp.Close()
	errs := make(chan error, 16)
	// sendTmp gives the file to SendFile, size bytes of it; if it cannot
	// be opened, the answer is a 500 that names why, and false.
	sendTmp := func(w *ResponseWriter, size int64) bool {
		fd, err := openRead(tmp.Name())
		if err != nil {
			w.Text(500, err.Error())
			return false
		}
		w.SendFile(fd, 0, size)
		return true
	}
	handler := HandlerFunc(func(w *ResponseWriter, r *Request) {
		switch string(r.Path) {
		case "/crlf":
			errs <- w.SetHeader("X-Evil", "a\r\nSet-Cookie: stolen=1")
			errs <- w.SetHeader("Bad Name", "v")
			errs <- w.SetHeader("X-Nul", "a\x00b")
			w.Text(200, "ok")
		case "/owned":
			errs <- w.SetHeader("Content-Length", "1000")
			errs <- w.SetHeader("connection", "keep-alive")
			errs <- w.SetHeader("Date", "yesterday")
			errs <- w.SetHeader("Transfer-Encoding", "chunked")
			w.Text(200, "ok")
		case "/204", "/304":
			w.SetStatus(map[string]int{"/204": 204, "/304": 304}[string(r.Path)])
			sendTmp(w, 13)
		case "/file-then-write":
			if sendTmp(w, 13) {
				w.WriteString("the body wins") // the last call wins: the file is closed
			}
		case "/negative":
			sendTmp(w, -5)
		case "/is-head":
			if r.IsHead() {
				w.WriteString("HEAD!")
			} else {
				w.WriteString("GET")
			}
		case "/1xx":
			w.SetStatus(103)
			w.WriteString("early")
		case "/panic-after-file":
			if sendTmp(w, 13) {
				panic("after SendFile")
			}
		case "/panic-after-write":
			w.WriteString("half a response")
			panic("after Write")
		default:
			w.Text(200, "ok")
		}
	})
	var errLog syncBuffer
	s := startServer(t, Config{Handler: handler, ErrorLog: &errLog})
	fds0 := servertest.OpenFDs(t)

	c := dial(t, s)
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /crlf HTTP/1.1\r\nHost: t\r\n\r\n")
	if r := readReply(t, br, "GET"); r.status != 200 || r.header.Get("Set-Cookie") != "" || r.header.Get("X-Evil") != "" {
		t.Fatalf("/crlf: %d %v", r.status, r.header)
	}
	for i, want := range []error{ErrFieldValue, ErrFieldName, ErrFieldValue} {
		if got := <-errs; got != want {
			t.Fatalf("/crlf SetHeader %d: %v, want %v", i, got, want)
		}
	}
	io.WriteString(c, "GET /owned HTTP/1.1\r\nHost: t\r\n\r\n")
	r := readReply(t, br, "GET")
	if r.status != 200 || r.body != "ok" || len(r.header["Content-Length"]) != 1 || len(r.header["Date"]) != 1 || r.close {
		t.Fatalf("/owned: %d %q %v", r.status, r.body, r.header)
	}
	for i := 0; i < 4; i++ {
		if got := <-errs; got != ErrServerField {
			t.Fatalf("/owned SetHeader %d: %v, want ErrServerField", i, got)
		}
	}
	for _, path := range []string{"/204", "/304"} {
		io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: t\r\n\r\n"+get)
		if r := readReply(t, br, "GET"); r.body != "" || r.header.Get("Content-Length") != "" {
			t.Fatalf("%s: body %q, Content-Length %q", path, r.body, r.header.Get("Content-Length"))
		}
		// Had the file's bytes gone out, they would be read as the next response.
		if r := readReply(t, br, "GET"); r.status != 200 || r.body != "ok" {
			t.Fatalf("after %s: %d %q", path, r.status, r.body)
		}
	}
	io.WriteString(c, "GET /file-then-write HTTP/1.1\r\nHost: t\r\n\r\n"+get)
	if r := readReply(t, br, "GET"); r.body != "the body wins" {
		t.Fatalf("/file-then-write: %q", r.body)
	}
	if r := readReply(t, br, "GET"); r.body != "ok" {
		t.Fatalf("after /file-then-write, a smuggled response: %q", r.body)
	}
	io.WriteString(c, "GET /negative HTTP/1.1\r\nHost: t\r\n\r\n")
	if r := readReply(t, br, "GET"); r.status != 500 {
		t.Fatalf("/negative: %d, want 500", r.status)
	}
	io.WriteString(c, "HEAD /is-head HTTP/1.1\r\nHost: t\r\n\r\n")
	if r := readReply(t, br, "HEAD"); r.header.Get("Content-Length") != "5" {
		t.Fatalf("HEAD /is-head: Content-Length %q: IsHead did not tell the handler", r.header.Get("Content-Length"))
	}
	io.WriteString(c, "GET /1xx HTTP/1.1\r\nHost: t\r\n\r\n")
	if r := readReply(t, br, "GET"); r.status != 500 {
		t.Fatalf("/1xx: %d, want 500", r.status)
	}
	for _, path := range []string{"/panic-after-file", "/panic-after-write"} {
		c := dial(t, s)
		br := bufio.NewReader(c)
		io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: t\r\n\r\n")
		if r := readReply(t, br, "GET"); r.status != 500 || !r.close || strings.Contains(r.body, "half") {
			t.Fatalf("%s: %d close=%v %q", path, r.status, r.close, r.body)
		}
		expectEOF(t, br)
		c.Close()
	}
	servertest.WaitUntil(t, "both panics reported with their stacks", func() bool {
		out := errLog.String()
		return strings.Contains(out, "after SendFile") && strings.Contains(out, "after Write") && strings.Contains(out, "goroutine")
	})
	c.Close()
	servertest.WaitUntil(t, "descriptors back: the panicking handler's file closed", func() bool {
		return openConns(s) == 0 && servertest.OpenFDs(t) <= fds0
	})
	if r := get1(t, s, "/plaintext"); r.status != 200 {
		t.Fatalf("the loop stopped serving after a panic: %d", r.status)
	}
}

func openRead(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return -1, err
	}
	// The server closes the descriptor it is given: hand it one the
	// *os.File does not own.
	fd, err := dupCloexec(int(f.Fd()))
	f.Close()
	return fd, err
}

func get1(t *testing.T, s *Server, path string) reply {
	c := dial(t, s)
	io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: t\r\n\r\n")
	return readReply(t, bufio.NewReader(c), "GET")
}

// syncBuffer is a writer the error log's goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// blockedWriter never returns from Write until released: a terminal
// scrolled back, a pipe nobody reads.
type blockedWriter struct{ release chan struct{} }

func (b blockedWriter) Write(p []byte) (int, error) {
	<-b.release
	return len(p), nil
}

// An access log whose writer blocks must not stop the loop: requests keep
// being answered, and the lines that could not be queued are counted.
func TestABlockedAccessLogDoesNotStopTheLoop(t *testing.T) {
	w := blockedWriter{release: make(chan struct{})}
	s := startServer(t, Config{Loops: 1, AccessLog: w})
	defer close(w.release) // before the server's cleanup, which waits for the writer a second at most
	c := dial(t, s)
	br := bufio.NewReader(c)
	var slowest time.Duration
	for i := 0; i < 2000; i++ {
		start := time.Now()
		io.WriteString(c, get)
		if r := readReply(t, br, "GET"); r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
		slowest = max(slowest, time.Since(start))
	}
	t.Logf("2000 requests with the log's writer blocked; slowest answer %v; lines dropped %d", slowest, s.LogLinesDropped())
	// A blocked loop would never answer at all; this bound is only there
	// to catch a loop that waits on the writer now and then (the issue
	// asks for 100 ms on an idle machine; a loaded CI machine gets slack).
	if slowest > 2*time.Second {
		t.Fatalf("an answer took %v while the log's writer was blocked", slowest)
	}
	if s.LogLinesDropped() == 0 {
		t.Fatal("no line was dropped, yet the writer never took one")
	}
}

// Config means what it says: zero fields take the defaults one by one.
func TestConfigDefaultsFieldByField(t *testing.T) {
	cfg := Config{Limits: httpparse.Limits{MaxBodyBytes: 1 << 10}}
	fillDefaults(&cfg)
	d := DefaultConfig()
	if cfg.Limits.MaxHeaders != d.Limits.MaxHeaders || cfg.Limits.MaxBodyBytes != 1<<10 {
		t.Fatalf("partial Limits: %+v", cfg.Limits)
	}
	if cfg.MaxConns != d.MaxConns || cfg.Loops != runtime.GOMAXPROCS(0) || cfg.MaxBodyBuffer != d.MaxBodyBuffer {
		t.Fatalf("MaxConns %d, Loops %d, MaxBodyBuffer %d", cfg.MaxConns, cfg.Loops, cfg.MaxBodyBuffer)
	}
	s := startServer(t, Config{Limits: httpparse.Limits{MaxBodyBytes: 1 << 10}})
	if r := get1(t, s, "/plaintext"); r.status != 200 {
		t.Fatalf("with a partly filled Limits: %d (431 meant MaxHeaders was 0)", r.status)
	}
}

func TestServeOnceAndCloseWithoutServe(t *testing.T) {
	before := servertest.OpenFDs(t)
	s, err := New(Config{Addr: "127.0.0.1:0", Loops: 3, Handler: HandlerFunc(testHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if servertest.OpenFDs(t) <= before {
		t.Fatal("New opened nothing?")
	}
	s.Close()
	if after := servertest.OpenFDs(t); after != before {
		t.Fatalf("Close without Serve: %d descriptors open, %d before New", after, before)
	}
	if err := s.Serve(); err == nil {
		t.Fatal("Serve after Close: no error")
	}
	s2 := startServer(t, Config{})
	get1(t, s2, "/plaintext") // answered: the first Serve is running
	if err := s2.Serve(); err == nil {
		t.Fatal("a second Serve: no error")
	}
	if r := get1(t, s2, "/plaintext"); r.status != 200 {
		t.Fatalf("after the refused second Serve: %d", r.status)
	}
}

func dupCloexec(fd int) (int, error) { return unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0) }

// An idle connection is its conn struct and a table entry: the struct is
// laid out to fill a 192-byte allocation exactly (the Go allocator's size
// classes go 176, 192, 208, 224), which is what keeps ten thousand idle
// connections near 2 MB (notes/06, scripts/bench-idle.sh).
func TestAnIdleConnectionIsSmall(t *testing.T) {
	if size := unsafe.Sizeof(conn{}); size > 192 {
		t.Fatalf("conn is %d bytes: more than the 192-byte size class", size)
	}
}

// Large responses no one reads count against the same budget as bodies:
// clients that upload to /echo and read nothing cannot make the server
// hold more than about the budget, because past it their uploads get 503.
func TestUnreadEchoesCountAgainstTheBudget(t *testing.T) {
	const budget, size, clients = 16 << 20, 6 << 20, 8
	s := startServer(t, Config{Loops: 1, MaxBodyBuffer: budget, Limits: httpparse.Limits{MaxBodyBytes: size}})
	body := strings.Repeat("e", size)
	for i := 0; i < clients; i++ {
		c := dial(t, s)
		go io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: "+strconv.Itoa(size)+"\r\n\r\n"+body)
	}
	servertest.WaitUntil(t, "every upload answered or refused", func() bool {
		st := Total(s.Stats())
		return st.Requests+st.RequestErrors >= clients
	})
	st := Total(s.Stats())
	t.Logf("%d echoes of %d MiB that no one reads: the loop holds %d MiB (budget %d MiB), %d uploads refused",
		clients, size>>20, st.HeldBytes>>20, budget>>20, st.RequestErrors)
	if st.HeldBytes > budget+size {
		t.Fatalf("held %d MiB: past the budget", st.HeldBytes>>20)
	}
	if st.RequestErrors == 0 {
		t.Fatal("no upload was refused, yet together they pass the budget")
	}
}

// A chunked body, which declares nothing, grows as it arrives, but never
// past the body limit: one that is the whole budget fits in it.
func TestAChunkedBodyOfTheWholeBudgetFits(t *testing.T) {
	const size = 1 << 20
	s := startServer(t, Config{Loops: 1, MaxBodyBuffer: size, Limits: httpparse.Limits{MaxBodyBytes: size}})
	c := dial(t, s)
	io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
	for i := 0; i < 16; i++ { // sixteen reads at least: the body grows by doubling
		io.WriteString(c, "10000\r\n"+strings.Repeat("x", 1<<16)+"\r\n")
	}
	io.WriteString(c, "0\r\n\r\n")
	if r := readReply(t, bufio.NewReader(c), "POST"); r.status != 200 || len(r.body) != size {
		t.Fatalf("%d, %d bytes", r.status, len(r.body))
	}
	servertest.WaitUntil(t, "the budget back to nothing held", func() bool { return Total(s.Stats()).HeldBytes == 0 })
}

// A client that pipelines many requests and reads slowly must not make its
// output buffer grow past MaxOutput plus one response: the buffer is
// recycled only when all of it is written, so requests wait until it is.
func TestASlowReaderCannotGrowItsOutput(t *testing.T) {
	hundred := strings.Repeat("h", 100<<10)
	handler := HandlerFunc(func(w *ResponseWriter, r *Request) { w.WriteString(hundred) })
	s := startServer(t, Config{Loops: 1, Handler: handler})
	c := dial(t, s)
	c.(*net.TCPConn).SetReadBuffer(64 << 10) // a small window: the server's writes come back short
	c.SetDeadline(time.Now().Add(3 * patience))
	io.WriteString(c, strings.Repeat(get, 60)) // 60 responses of 100 KiB: 6 MB
	most := uint64(0)
	buf := make([]byte, 16<<10)
	for read := 0; read < 60*(100<<10); {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("after %d bytes: %v", read, err)
		}
		read += n
		most = max(most, Total(s.Stats()).HeldBytes)
	}
	t.Logf("the most the loop held for a slow pipelining reader: %d KiB", most>>10)
	if most > (256+100+16)<<10 {
		t.Fatalf("held %d KiB for one connection: more than MaxOutput and one response", most>>10)
	}
}

// A client cut off by the write timeout is reset, not sent a FIN: a FIN
// would wait behind the megabytes still queued in the socket, which the
// kernel would keep (an orphan) for as long as the client stays silent.
func TestTheWriteTimeoutResets(t *testing.T) {
	s := startServer(t, Config{Loops: 1, WriteTimeout: 300 * time.Millisecond})
	c := dial(t, s)
	c.(*net.TCPConn).SetReadBuffer(4096)
	io.WriteString(c, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
	servertest.WaitUntil(t, "the write timeout to close the connection", func() bool {
		return Total(s.Stats()).Timeouts > 0 && openConns(s) == 0
	})
	_, err := io.Copy(io.Discard, c)
	if !isReset(err) {
		t.Fatalf("reading after the timeout: %v, want a reset", err)
	}
}
