//go:build linux

package server

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"

	"golang.org/x/sys/unix"
)

// The lifecycle tests drive real connections through every (state, event)
// pair the engine handles. The tests run in strict mode (export_test.go):
// every move commit makes is checked against the transitions table, and
// every state's invariants (what epoll watches, which clock runs, whether
// output is queued) after it, so a test here fails loudly on an undeclared
// move or a broken invariant, not only on a wrong answer.

type pair struct {
	from state
	on   event
}

// observed collects the moves the loops make.
type observed struct {
	mu      sync.Mutex
	seen    map[pair]int
	closed  map[pair]int  // the moves that closed a connection
	entered map[state]int // moves into a state from another
	awaited map[state]int // how many of those inState has consumed
}

func (o *observed) record(from state, on event, to state) {
	taken.record(from, on)
	o.mu.Lock()
	o.seen[pair{from, on}]++
	if to == stateClosed {
		o.closed[pair{from, on}]++
	}
	if from != to {
		o.entered[to]++
	}
	o.mu.Unlock()
}

func (o *observed) closedFrom(from state, on event) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.closed[pair{from, on}] > 0
}

func (o *observed) count(p pair) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.seen[p]
}

// waitFor waits until the loops have made a move from p.from on p.on.
func (o *observed) waitFor(t *testing.T, p pair) {
	t.Helper()
	servertest.WaitUntil(t, p.from.String()+" --"+p.on.String()+"-->", func() bool { return o.count(p) > 0 })
}

// taken gathers the (state, event) pairs every test's servers took;
// TestMain checks, after a full run, that each pair of the transitions
// table was among them (export_test.go).
var taken = &takenPairs{seen: map[pair]bool{}}

type takenPairs struct {
	mu   sync.Mutex
	seen map[pair]bool
}

func (tp *takenPairs) record(from state, on event) {
	tp.mu.Lock()
	tp.seen[pair{from, on}] = true
	tp.mu.Unlock()
}

// missing lists the table's pairs no test took.
func (tp *takenPairs) missing() []pair {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	var out []pair
	done := map[pair]bool{}
	for _, tr := range transitions {
		p := pair{tr.from, tr.on}
		if !tp.seen[p] && !done[p] {
			out = append(out, p)
		}
		done[p] = true
	}
	return out
}

// startObserved starts a one-loop server whose moves are recorded.
func startObserved(t *testing.T, cfg Config) (*Server, *observed) {
	t.Helper()
	o := &observed{seen: map[pair]int{}, closed: map[pair]int{}, entered: map[state]int{}, awaited: map[state]int{}}
	cfg.Addr, cfg.Loops = "127.0.0.1:0", 1
	if cfg.Handler == nil {
		cfg.Handler = HandlerFunc(testHandler)
	}
	cfg.ErrorLog = io.Discard
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	serveUntilCleanup(t, s, o.record)
	return s, o
}

// waiting is a request, or part of one, that leaves its connection in a
// state, for a client that then does nothing.
var waiting = []struct {
	name string
	send string
	in   state
}{
	{"head", "GET /plaintext HTTP/1.1\r\n", stateHead},
	{"body", postHead + "abc", stateBody},
	{"idle", get, stateIdle},
	{"writing", "GET /big HTTP/1.1\r\nHost: t\r\n\r\n", stateWriting},
	{"linger", "GET /close HTTP/1.1\r\nHost: t\r\n\r\n", stateLinger},
}

// reset closes c with SO_LINGER 0: the kernel sends RST, not FIN.
func reset(c net.Conn) {
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
}

// inState waits until a connection has entered want (from another state)
// once more than the tests have already waited for: each call stands for
// the one move its test has just caused, whatever other connections do
// meanwhile.
func (o *observed) inState(t *testing.T, want state) {
	t.Helper()
	servertest.WaitUntil(t, "a connection in state "+want.String(), func() bool {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.entered[want] > o.awaited[want] {
			o.awaited[want]++
			return true
		}
		return false
	})
}

const postHead = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n"

func TestEveryReadAndWritePathIsTaken(t *testing.T) {
	s, o := startObserved(t, Config{})
	c := dial(t, s)
	br := bufio.NewReader(c)
	o.waitFor(t, pair{stateNew, evAccept})

	io.WriteString(c, "GET /plaintext HT")
	o.waitFor(t, pair{stateHead, evReadable})
	io.WriteString(c, "TP/1.1\r\nHost: t\r\n\r\n")
	readReply(t, br, "GET")
	o.inState(t, stateIdle)

	io.WriteString(c, postHead+"abc")
	o.waitFor(t, pair{stateIdle, evReadable})
	o.inState(t, stateBody)
	io.WriteString(c, "defg")
	o.waitFor(t, pair{stateBody, evReadable})
	io.WriteString(c, "hij")
	if r := readReply(t, br, "POST"); r.body != "abcdefghij" {
		t.Fatalf("echo: %q", r.body)
	}

	io.WriteString(c, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
	o.inState(t, stateWriting) // 16 MiB: more than the socket takes
	if r := readReply(t, br, "GET"); len(r.body) != len(bigBody) {
		t.Fatalf("big: %d bytes", len(r.body))
	}
	o.waitFor(t, pair{stateWriting, evWritable})

	io.WriteString(c, "GET /close HTTP/1.1\r\nHost: t\r\n\r\n")
	readReply(t, br, "GET")
	o.inState(t, stateLinger)
	io.WriteString(c, "ignored after the last response")
	o.waitFor(t, pair{stateLinger, evReadable}) // read and dropped
	c.(*net.TCPConn).CloseWrite()               // the FIN the linger waits for (EPOLLIN or EPOLLHUP)
	servertest.WaitUntil(t, "the connection closed", func() bool { return openConns(s) == 0 })
}

func TestEveryTimeoutIsTaken(t *testing.T) {
	short := 200 * time.Millisecond
	linger := lingerTime
	lingerTime = short
	t.Cleanup(func() { lingerTime = linger }) // after the server's cleanup has stopped it
	s, o := startObserved(t, Config{IdleTimeout: short, HeaderTimeout: short, BodyTimeout: short, WriteTimeout: short})
	for _, tt := range waiting {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, s)
			io.WriteString(c, tt.send)
			// The client reads nothing and closes nothing: the clock must end it.
			o.waitFor(t, pair{tt.in, evTimeout})
			servertest.WaitUntil(t, "the connection closed", func() bool { return openConns(s) == 0 })
		})
	}
}

func TestEveryStateSurvivesAReset(t *testing.T) {
	s, o := startObserved(t, Config{})
	for _, tt := range waiting {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, s)
			io.WriteString(c, tt.send)
			o.inState(t, tt.in)
			reset(c)
			if tt.in == stateWriting {
				// The loop may be writing its next quota when the RST
				// lands: then write(2) says ECONNRESET (a writable
				// event) before epoll can say EPOLLERR. Either way the
				// connection is closed, once.
				servertest.WaitUntil(t, "writing --hangup or writable-->", func() bool {
					return o.count(pair{stateWriting, evHangup}) > 0 || o.closedFrom(stateWriting, evWritable)
				})
			} else {
				o.waitFor(t, pair{tt.in, evHangup})
			}
			servertest.WaitUntil(t, "the connection closed", func() bool { return openConns(s) == 0 })
		})
	}
}

func TestDrainAndStopReachEveryState(t *testing.T) {
	s, o := startObserved(t, Config{DrainTimeout: time.Hour})
	idle := dial(t, s)
	io.WriteString(idle, get)
	readReply(t, bufio.NewReader(idle), "GET")
	fresh := dial(t, s)
	busy := dial(t, s)
	io.WriteString(busy, postHead+"abc")
	servertest.WaitUntil(t, "three connections", func() bool { return openConns(s) == 3 })
	o.inState(t, stateBody)
	s.Shutdown()
	o.waitFor(t, pair{stateIdle, evDrain})
	o.waitFor(t, pair{stateHead, evDrain})
	for _, c := range []net.Conn{idle, fresh} {
		expectEOF(t, bufio.NewReader(c))
	}
	s.Close() // the body never comes: Close ends it
	o.waitFor(t, pair{stateBody, evStop})
}

// An epoll_ctl that fails (ENOMEM, in real life) closes the connection in
// commit, in one place: nothing else may touch it afterwards (strict mode
// would panic), and nothing leaks.
func TestAFailedEpollCtlClosesTheConnection(t *testing.T) {
	real := modify
	modify = func(l *loop, fd int, events, tag uint32) error { return unix.ENOMEM }
	t.Cleanup(func() { modify = real }) // runs after the server's own cleanup has stopped its loop
	s, o := startObserved(t, Config{})
	before := servertest.OpenFDs(t)

	c := dial(t, s)
	io.WriteString(c, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n") // needs EPOLLOUT: a MOD
	o.waitFor(t, pair{stateHead, evReadable})
	if n, err := io.Copy(io.Discard, c); err != nil && !isReset(err) || n >= int64(len(bigBody)) {
		t.Fatalf("read %d bytes (%v): want the connection cut short", n, err)
	}
	servertest.WaitUntil(t, "the connection closed", func() bool { return openConns(s) == 0 })
	c.Close()
	servertest.WaitUntil(t, "descriptors back", func() bool { return servertest.OpenFDs(t) <= before })
}

// A file larger than the socket takes, to a client that reads slowly: the
// sendfile hits EAGAIN midway, the connection waits for EPOLLOUT, and goes
// on from the same offset. A client that resets midway (EPIPE or
// ECONNRESET on the next sendfile) closes the file too.
func TestAFileSentAcrossEAGAINAndAReset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	data := make([]byte, 8<<20)
	for i := range data {
		data[i] = byte(i % 251)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	handler := HandlerFunc(func(w *ResponseWriter, r *Request) {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			w.Text(500, err.Error())
			return
		}
		w.SendFile(fd, 0, int64(len(data)))
	})
	before := servertest.OpenFDs(t)
	s, o := startObserved(t, Config{Handler: handler})

	c := dial(t, s)
	io.WriteString(c, "GET /f HTTP/1.1\r\nHost: t\r\n\r\n")
	o.inState(t, stateWriting)
	r := readReply(t, bufio.NewReader(c), "GET")
	if r.body != string(data) {
		t.Fatalf("the file arrived changed: %d bytes", len(r.body))
	}
	o.waitFor(t, pair{stateWriting, evWritable})

	c2 := dial(t, s)
	io.WriteString(c2, "GET /f HTTP/1.1\r\nHost: t\r\n\r\n")
	buf := make([]byte, 64<<10)
	if _, err := io.ReadFull(c2, buf); err != nil {
		t.Fatal(err)
	}
	reset(c2)
	servertest.WaitUntil(t, "both connections closed", func() bool { return openConns(s) <= 1 })
	c.Close()
	servertest.WaitUntil(t, "every connection closed", func() bool { return openConns(s) == 0 })
	s.Close()
	servertest.WaitUntil(t, "descriptors back (the file closed too)", func() bool { return servertest.OpenFDs(t) <= before })
}

// A client that says its request is the last (Connection: close, or
// HTTP/1.0 without keep-alive) and sends nothing after it is closed at
// once, with a plain close: no lingering, since nothing unread is left to
// turn the close into a reset. A client that pipelines behind such a
// request gets the lingering close.
func TestTheClientsLastRequestEndsWithAPlainClose(t *testing.T) {
	for _, tt := range []struct {
		name, send string
		linger     bool
	}{
		{"Connection: close", "GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", false},
		{"HTTP/1.0", "GET /plaintext HTTP/1.0\r\n\r\n", false},
		{"more after the last", "GET /plaintext HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" + get, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, o := startObserved(t, Config{})
			c := dial(t, s)
			io.WriteString(c, tt.send)
			br := bufio.NewReader(c)
			if r := readReply(t, br, "GET"); r.status != 200 || !r.close {
				t.Fatalf("%d close=%v", r.status, r.close)
			}
			if tt.linger {
				o.inState(t, stateLinger)
				c.(*net.TCPConn).CloseWrite()
			}
			expectEOF(t, br)
			servertest.WaitUntil(t, "the connection closed", func() bool { return openConns(s) == 0 })
			if lingered := o.count(pair{stateLinger, evReadable}) + o.count(pair{stateLinger, evHangup}); (lingered > 0) != tt.linger {
				t.Fatalf("lingered: %v, want %v", lingered > 0, tt.linger)
			}
		})
	}
}

// A static file's response head and the start of its body leave in one
// TCP segment: the head goes with MSG_MORE, so TCP_NODELAY does not push
// it out alone before sendfile. The client's TCP_INFO counts the data
// segments it received (tcp(7)): one, for a small file.
func TestAFilesHeadAndBodyShareASegment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "small")
	if err := os.WriteFile(path, make([]byte, 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	handler := HandlerFunc(func(w *ResponseWriter, r *Request) {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			w.Text(500, err.Error())
			return
		}
		w.SendFile(fd, 0, 1000)
	})
	s := startServer(t, Config{Handler: handler})
	c := dial(t, s)
	io.WriteString(c, "GET /f HTTP/1.1\r\nHost: t\r\n\r\n")
	if r := readReply(t, bufio.NewReader(c), "GET"); len(r.body) != 1000 {
		t.Fatalf("%d bytes", len(r.body))
	}
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var info *unix.TCPInfo
	raw.Control(func(fd uintptr) { info, err = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) })
	if err != nil {
		t.Fatal(err)
	}
	if info.Data_segs_in != 1 {
		t.Fatalf("the response came in %d data segments, want 1 (head and file together)", info.Data_segs_in)
	}
}

// Close reaches a connection in any state: each is closed through commit.
func TestStopReachesEveryState(t *testing.T) {
	// No clock may end a connection before Close does, however slow the
	// machine: every timeout, the linger's too, is an hour here.
	linger := lingerTime
	lingerTime = time.Hour
	t.Cleanup(func() { lingerTime = linger }) // after the server's cleanup has stopped it
	s, o := startObserved(t, Config{HeaderTimeout: time.Hour, IdleTimeout: time.Hour, WriteTimeout: time.Hour})
	for _, tt := range []struct {
		send string
		in   state
	}{
		{"GET /plaintext HTTP/1.1\r\n", stateHead},
		{get, stateIdle},
		{"GET /big HTTP/1.1\r\nHost: t\r\n\r\n", stateWriting},
		{"GET /close HTTP/1.1\r\nHost: t\r\n\r\n", stateLinger},
	} {
		c := dial(t, s)
		io.WriteString(c, tt.send)
		o.inState(t, tt.in)
	}
	s.Close()
	for _, in := range []state{stateHead, stateIdle, stateWriting, stateLinger} {
		o.waitFor(t, pair{in, evStop})
	}
}
