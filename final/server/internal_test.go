//go:build linux

package server

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestTimeoutListsStayInOrder(t *testing.T) {
	var ts timers
	ts.lists[timerHeader] = timeoutList{name: "t", length: int64(time.Second)}
	list := &ts.lists[timerHeader]
	a, b, c := &conn{fd: 1}, &conn{fd: 2}, &conn{fd: 3}
	ts.set(a, timerHeader, true, 0)
	ts.set(b, timerHeader, true, 10)
	ts.set(c, timerHeader, true, 20)
	ts.set(a, timerHeader, true, 30) // restarted: now last
	var order []int
	for x := list.head; x != nil; x = x.next {
		order = append(order, x.fd)
	}
	if len(order) != 3 || order[0] != 2 || order[1] != 3 || order[2] != 1 {
		t.Fatalf("order %v, want [2 3 1]", order)
	}
	ts.set(b, timerHeader, false, 40) // same state, same request: its clock keeps running
	if b.deadline != 10+int64(time.Second) {
		t.Fatalf("a kept clock moved its deadline to %d", b.deadline)
	}
	b.requests++
	ts.set(b, timerHeader, false, 40) // a new request gets its own time
	if b.deadline != 40+int64(time.Second) {
		t.Fatalf("a new request's clock did not restart: deadline %d", b.deadline)
	}
	if got := ts.waitMillis(20); got != 1000 {
		t.Fatalf("waitMillis = %d, want 1000", got)
	}
	var fired []int
	ts.expire(int64(time.Second)+35, func(c *conn, _ timerKind) { fired = append(fired, c.fd) })
	if len(fired) != 2 || fired[0] != 3 || fired[1] != 1 {
		t.Fatalf("fired %v, want [3 1]", fired)
	}
	// b is due 5ns later: epoll_wait counts in milliseconds, so round up.
	if got := ts.waitMillis(int64(time.Second) + 35); got != 1 {
		t.Fatalf("waitMillis after expiry = %d, want 1", got)
	}
}

// A response in two writes (a head, then sendfile) must not wait for the
// client's delayed ACK: every accepted socket needs TCP_NODELAY, and gets
// it from the listener. The loops are not running here, so the test can
// accept the connection itself and look.
func TestAcceptedSocketsHaveNoDelay(t *testing.T) {
	s, err := New(Config{Addr: "127.0.0.1:0", Loops: 1, Handler: HandlerFunc(testHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.closeLoops()
	c, err := net.DialTimeout("tcp", s.Addr().String(), patience)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	listenFD := s.loops[0].listenFD
	pollListener(t, listenFD) // the connection is queued: Dial has returned
	fd, _, err := rawAccept4(listenFD)
	if err != nil {
		t.Fatalf("accept4: %v", err)
	}
	defer unix.Close(fd)
	for _, x := range []struct {
		name string
		fd   int
	}{{"listener", listenFD}, {"accepted socket", fd}} {
		on, err := unix.GetsockoptInt(x.fd, unix.IPPROTO_TCP, unix.TCP_NODELAY)
		if err != nil || on == 0 {
			t.Errorf("%s: TCP_NODELAY = %d, %v; want it on", x.name, on, err)
		}
	}
}

// pollListener waits (at most patience) until the listener is readable.
func pollListener(t *testing.T, fd int) {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	if _, err := unix.Poll(fds, int(patience/time.Millisecond)); err != nil && err != unix.EINTR {
		t.Fatalf("poll: %v", err)
	}
}

// A loop that paused accepting because even its spare descriptor was gone
// must try again by itself: with no connection of its own, no close would
// ever resume it, and every client hashed to its listener would wait for
// ever. The loop is driven by hand here, its clock set by the test.
func TestPausedAcceptingIsRetried(t *testing.T) {
	s, err := New(Config{Addr: "127.0.0.1:0", Loops: 1, Handler: HandlerFunc(testHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.closeLoops()
	l := s.loops[0]
	l.pauseAccepting()
	if wait := l.waitMillis(); wait <= 0 || wait > int(retryAcceptEvery/int64(time.Millisecond)) {
		t.Fatalf("paused: epoll_wait timeout %d ms, want a retry within %v", wait, time.Duration(retryAcceptEvery))
	}
	c, err := net.DialTimeout("tcp", s.Addr().String(), patience)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if listenerReported(t, l, 0) {
		t.Fatal("a paused listener was reported")
	}
	l.now += retryAcceptEvery
	l.retryAccepting()
	if l.paused {
		t.Fatal("still paused after retryAcceptEvery")
	}
	if !listenerReported(t, l, int(patience/time.Millisecond)) {
		t.Fatal("the listener is not watched again: the waiting client would never be accepted")
	}
}

// listenerReported waits up to ms for epoll to report l's listener.
func listenerReported(t *testing.T, l *loop, ms int) bool {
	events, err := l.poller.Wait(ms)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if int(ev.Fd) == l.listenFD {
			return true
		}
	}
	return false
}

// The path is what the router sees; in an absolute-form target it starts
// after the authority, which ends at the first '/' or '?'.
func TestSetTargetSplitsPathAndQuery(t *testing.T) {
	for _, tt := range []struct{ target, path, query string }{
		{"/a/b?c=d", "/a/b", "c=d"},
		{"/", "/", ""},
		{"http://h/a?q", "/a", "q"},
		{"http://h", "/", ""},
		{"http://h?/stats", "/", "/stats"},
		{"http://h:80?x", "/", "x"},
		{"*", "", ""},
		{"h:443", "", ""},
	} {
		var r Request
		r.setTarget([]byte(tt.target))
		if string(r.Path) != tt.path || string(r.Query) != tt.query {
			t.Errorf("%q: path %q query %q, want %q and %q", tt.target, r.Path, r.Query, tt.path, tt.query)
		}
	}
}
