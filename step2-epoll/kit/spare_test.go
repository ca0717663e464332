//go:build linux

package kit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"epollhttp/step1-socket/servertest"
	"epollhttp/step1-socket/sock"
	"epollhttp/step2-epoll/poll"

	"golang.org/x/sys/unix"
)

// atTheLimitEnv marks the child process that TestSpareShedsAQueuedConnection
// runs: the limit on descriptors is lowered for that process alone, so this
// process and the tests beside it are not starved.
const atTheLimitEnv = "KIT_TEST_AT_THE_LIMIT"

func TestSpareShedsAQueuedConnection(t *testing.T) {
	if os.Getenv(atTheLimitEnv) == "1" {
		shedAtTheLimit(t)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), servertest.Patience)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSpareShedsAQueuedConnection$", "-test.v")
	cmd.Env = append(os.Environ(), atTheLimitEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestSpareShedsAQueuedConnection")) {
		t.Fatalf("the child at the limit: %v\n%s", err, out)
	}
}

// shedAtTheLimit runs in the child. It fills every descriptor number the
// limit allows, queues one connection, and sheds it with the spare.
func shedAtTheLimit(t *testing.T) {
	sock.StartRuntimePoller() // the runtime's own epoll, opened while it can be (see its comment)
	var trace bytes.Buffer
	narrator := &sock.Narrator{Out: &trace}
	ln, err := sock.Listen(nil, "127.0.0.1:0", sock.ListenConfig{Backlog: 8, NonBlocking: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := poll.New(8, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Add(ln.FD, unix.EPOLLIN, 0); err != nil {
		t.Fatal(err)
	}
	spare := NewSpare(narrator)
	if !spare.Held() {
		t.Fatalf("no spare:\n%s", &trace)
	}
	// The client's socket is made now: connect(2) needs no new descriptor.
	client, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	setReceiveTimeout(t, client)

	// Every number below the lowest free one is taken; a limit equal to it
	// leaves none (getrlimit(2): the limit is one more than the largest
	// descriptor number that can be opened).
	lowest, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(lowest)
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		t.Fatal(err)
	}
	limit.Cur = uint64(lowest)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		t.Fatal(err)
	}

	port := int(ln.Addr.Port())
	if err := unix.Connect(client, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("connect: %v", err)
	}
	if events, err := p.Wait(int(servertest.Patience.Milliseconds())); err != nil || len(events) != 1 {
		t.Fatalf("the connection never showed in the queue: %v, %v", events, err)
	}
	accept := func() (int, error) {
		fd, _, err := sock.Accept(narrator, ln.FD, unix.SOCK_NONBLOCK)
		return fd, err
	}
	if _, err := accept(); !errors.Is(err, unix.EMFILE) {
		t.Fatalf("accept4 at the limit: %v, want EMFILE", err)
	}
	if !spare.Shed(accept) {
		t.Fatalf("Shed found no connection waiting:\n%s", &trace)
	}
	// The client sees the connection closed, not a hang.
	if n, err := sock.Read(nil, client, make([]byte, 16)); n != 0 || err != nil {
		t.Fatalf("the shed client read %d bytes, %v; want end of file", n, err)
	}
	if !spare.Held() {
		t.Fatalf("the reserve was not reopened:\n%s", &trace)
	}
	// The queue is empty now, and only the accept made with the spare's
	// number can tell: a plain one would say EMFILE again.
	if spare.Shed(accept) {
		t.Fatalf("Shed with an empty queue says it shed one:\n%s", &trace)
	}
	if !spare.Held() {
		t.Fatalf("the reserve was not reopened:\n%s", &trace)
	}
	s := spare.fd
	want := []string{
		fmt.Sprintf(`openat\(AT_FDCWD, "/dev/null", O_RDONLY\|O_CLOEXEC\) = %d`, s),
		`accept4\(\d+, .*\) = -1 EMFILE \(Too many open files\)`,
		fmt.Sprintf(`close\(%d\) = 0`, s),
		fmt.Sprintf(`accept4\(\d+, \{sa_family=AF_INET, .*\) = %d`, s),
		fmt.Sprintf(`close\(%d\) = 0`, s),
		fmt.Sprintf(`openat\(AT_FDCWD, "/dev/null", O_RDONLY\|O_CLOEXEC\) = %d`, s),
		fmt.Sprintf(`close\(%d\) = 0`, s),
		`accept4\(\d+, .*\) = -1 EAGAIN \(Resource temporarily unavailable\)`,
		fmt.Sprintf(`openat\(AT_FDCWD, "/dev/null", O_RDONLY\|O_CLOEXEC\) = %d`, s),
	}
	lines := strings.Split(strings.TrimSuffix(trace.String(), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("narration:\n%s\nwant %d lines", &trace, len(want))
	}
	for i, line := range lines {
		if !regexp.MustCompile("^" + want[i] + "$").MatchString(line) {
			t.Fatalf("line %d: %q, want it to match %s\n%s", i+1, line, want[i], &trace)
		}
	}
	spare.Close()
}

func TestShedWithoutASpareAcceptsNothing(t *testing.T) {
	spare := NewSpare(nil)
	if !spare.Held() {
		t.Fatal("NewSpare: not held")
	}
	spare.Close()
	spare.Close() // twice: nothing more to do
	if spare.Held() {
		t.Fatal("held after Close")
	}
	if spare.Shed(func() (int, error) { t.Fatal("Shed called accept without a spare"); return -1, nil }) {
		t.Fatal("Shed without a spare says it shed one")
	}
	spare.Reopen()
	if !spare.Held() {
		t.Fatal("Reopen: not held")
	}
	spare.Close()
}
