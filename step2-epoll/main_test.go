//go:build linux

package main

import (
	"bufio"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"
)

func TestMain(m *testing.M) {
	servertest.RunIfChild(run)
	os.Exit(m.Run())
}

var countersLine = regexp.MustCompile(`^step2-epoll: counters: epoll_wait=\d+ events=\d+ accepts=\d+ reads=\d+ eagain=\d+ `)

func TestTraceShowsEventsAndReadsAndExitPrintsCounters(t *testing.T) {
	s := servertest.Start(t, "-addr", "127.0.0.1:0", "-mode", "edge", "-trace")
	c := dial(t, s.Addr)
	io.WriteString(c, get)
	expectHello(t, bufio.NewReader(c))
	for _, want := range []string{
		`^epoll_wait\(\d+, \[\{EPOLLIN, fd=\d+\}\], 128, -1\) = 1$`,
		`^accept4\(\d+, .*SOCK_CLOEXEC\|SOCK_NONBLOCK\) = \d+$`,
		`^epoll_ctl\(\d+, EPOLL_CTL_ADD, \d+, \{EPOLLIN\|EPOLLRDHUP\|EPOLLET, fd=\d+\}\) = 0$`,
		`^read\(\d+, "GET / HTTP/1.1\\r\\nHost: test\\r\\n\\r\\n", 4096\) = 30$`,
		`^read\(\d+, \.\.\., 4096\) = -1 EAGAIN \(Resource temporarily unavailable\)$`,
		`^write\(\d+, "HTTP/1.1 200 OK\\r\\n`,
	} {
		if _, err := s.Stderr.WaitFor(regexp.MustCompile(want), servertest.Patience); err != nil {
			t.Fatalf("trace lacks %s: %v\n%s", want, err, s.Stderr)
		}
	}
	s.Stop(t)
	line, err := s.Stdout.WaitFor(countersLine, servertest.Patience)
	if err != nil {
		t.Fatalf("no counters at exit: %v\n%s", err, s.Stdout)
	}
	if !strings.Contains(line, " accepts=1 ") || !strings.Contains(line, " requests=1 ") {
		t.Fatalf("counters %q, want accepts=1 and requests=1", line)
	}
}

func TestEdgeStallFromTheCommandLine(t *testing.T) {
	s := servertest.Start(t, "-addr", "127.0.0.1:0", "-mode", "edge", "-drain=false", "-bufsize", "16", "-trace")
	c := dial(t, s.Addr)
	io.WriteString(c, bigRequest(200))
	if _, err := s.Stderr.WaitFor(regexp.MustCompile(`^read\(\d+, "GET / HTTP/1.1\\r\\n", 16\) = 16$`), servertest.Patience); err != nil {
		t.Fatalf("%v\n%s", err, s.Stderr)
	}
	c.SetReadDeadline(time.Now().Add(time.Second))
	if n, err := c.Read(make([]byte, 1)); n != 0 || !isTimeout(err) {
		t.Fatalf("got an answer (n=%d, err=%v); the stall should hold", n, err)
	}
	if n := s.Stderr.Count(regexp.MustCompile(`^read\(`)); n != 1 {
		t.Fatalf("%d reads; edge mode without drain reads once per edge, and there was one edge\n%s", n, s.Stderr)
	}
	s.Stop(t)
	if _, err := s.Stdout.WaitFor(regexp.MustCompile(` requests=0 `), servertest.Patience); err != nil {
		t.Fatalf("%v\n%s", err, s.Stdout)
	}
}

func TestOutOfDescriptorsNeitherSpinsNorDies(t *testing.T) {
	// 16 descriptors: stdin/out/err, epoll, listener, eventfd, the spare,
	// and room for a few clients.
	s := servertest.StartEnv(t, []string{servertest.NoFileEnv + "=16"}, "-addr", "127.0.0.1:0", "-trace")
	var held []net.Conn
	shed := 0
	for range 30 {
		c := dial(t, s.Addr)
		io.WriteString(c, get)
		resp, err := bufio.NewReader(c).ReadString('\n')
		if err != nil { // closed at once: this one was shed
			shed++
			c.Close()
			continue
		}
		if !strings.HasPrefix(resp, "HTTP/1.1 200 OK") {
			t.Fatalf("answer %q", resp)
		}
		held = append(held, c)
	}
	t.Logf("held %d connections, %d shed", len(held), shed)
	if shed == 0 || len(held) == 0 {
		t.Fatalf("held %d, shed %d: the limit was never reached", len(held), shed)
	}
	if _, err := s.Stderr.WaitFor(regexp.MustCompile(`EMFILE`), servertest.Patience); err != nil {
		t.Fatal(err)
	}

	// At the limit, with every slot held, the loop must sleep. A spinning
	// loop would log tens of thousands of epoll_wait returns a second.
	waits := regexp.MustCompile(`^epoll_wait\(`)
	before := s.Stderr.Count(waits)
	time.Sleep(time.Second) // the measurement window itself, not a wait for an event
	if woke := s.Stderr.Count(waits) - before; woke > 10 {
		t.Fatalf("the loop woke %d times in a second while idle at the limit", woke)
	}

	for _, c := range held {
		c.Close()
	}
	// Once descriptors are free again, new clients are served.
	servertest.WaitUntil(t, "a new client served", func() bool {
		c := dial(t, s.Addr)
		defer c.Close()
		io.WriteString(c, get)
		line, err := bufio.NewReader(c).ReadString('\n')
		return err == nil && strings.HasPrefix(line, "HTTP/1.1 200 OK")
	})
	s.Stop(t)
}

func TestBadFlagsExitWithStatus2(t *testing.T) {
	for _, args := range [][]string{{"-mode", "sideways"}, {"-bufsize", "0"}, {"-drain=maybe"}} {
		s := servertest.StartNoWait(t, nil, args...)
		if code := s.Wait(t, servertest.Patience); code != 2 {
			t.Errorf("%v: exit status %d, want 2", args, code)
		}
	}
}

func TestSignalsStopTheLoopWithStatusZero(t *testing.T) {
	s := servertest.Start(t, "-addr", "127.0.0.1:0")
	c := dial(t, s.Addr) // an open connection does not hold the exit up
	io.WriteString(c, get)
	expectHello(t, bufio.NewReader(c))
	s.Signal(t, syscall.SIGINT)
	if code := s.Wait(t, servertest.Patience); code != 0 {
		t.Fatalf("exit status %d after SIGINT", code)
	}
}
