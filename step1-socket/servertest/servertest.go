//go:build linux

// Package servertest runs a course program as a real child process for tests:
// it starts it, waits for its ready line, lets a test wait for what it prints
// and stops it. The child is the test binary itself, re-executed (see
// RunIfChild), so tests need no separate build step and still exercise the
// real main: its flags, its output, its signals and its exit status.
package servertest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// childEnv marks the re-executed test binary as the program under test.
const childEnv = "EPOLLHTTP_SERVERTEST_CHILD"

// NoFileEnv, set to a number in Start's extra environment, makes the child
// lower its descriptor limit (RLIMIT_NOFILE, soft and hard) before it
// starts, so a test can drive a real server into EMFILE without touching
// its own limit.
const NoFileEnv = "EPOLLHTTP_SERVERTEST_NOFILE"

// Patience is how long a test waits for something that should happen at
// once. It is generous because CI machines are small and busy; tests wait
// for events, so a fast machine never waits this long.
const Patience = 30 * time.Second

// WaitUntil polls cond until it holds, or fails the test once Patience has
// run out. It is for state that another process or thread reaches soon after
// the test's last action (a socket closed, a counter moved): it waits for
// that state, never a fixed time in the hope that it came.
func WaitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// OpenFDs counts the descriptors this (test) process has open, for tests
// that check a server in the same process leaks none.
func OpenFDs(t testing.TB) int {
	t.Helper()
	return countFDs(t, "/proc/self/fd")
}

// OpenFDs counts the descriptors the child has open.
func (s *Server) OpenFDs(t testing.TB) int {
	t.Helper()
	return countFDs(t, fmt.Sprintf("/proc/%d/fd", s.PID()))
}

func countFDs(t testing.TB, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// RunIfChild is called first thing in TestMain. In the child it runs the
// program's run function with the arguments Start passed and exits.
func RunIfChild(run func(args []string, stdout, stderr io.Writer) int) {
	if os.Getenv(childEnv) != "1" {
		return
	}
	if limit := os.Getenv(NoFileEnv); limit != "" {
		n, err := strconv.ParseUint(limit, 10, 64)
		if err == nil {
			err = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n})
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "servertest: %s=%s: %v\n", NoFileEnv, limit, err)
			os.Exit(3)
		}
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Server is a running child program.
type Server struct {
	Addr   string // from the ready line, e.g. 127.0.0.1:41234
	Stdout *Lines
	Stderr *Lines
	cmd    *exec.Cmd
	done   chan struct{}
	err    error
}

var readyLine = regexp.MustCompile(`listening on (\S+)`)

// Start runs the program with args and waits for its ready line. The child
// is killed when the test ends if it is still running.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	return StartEnv(t, nil, args...)
}

// StartEnv is Start with extra environment variables ("NAME=value").
func StartEnv(t testing.TB, extraEnv []string, args ...string) *Server {
	t.Helper()
	s := StartNoWait(t, extraEnv, args...)
	line, err := s.Stdout.WaitFor(readyLine, Patience)
	if err != nil {
		t.Fatalf("no ready line: %v\nstdout:\n%s\nstderr:\n%s", err, s.Stdout, s.Stderr)
	}
	s.Addr = readyLine.FindStringSubmatch(line)[1]
	return s
}

// StartNoWait starts the program without waiting for a ready line; extraEnv
// adds environment variables ("NAME=value").
func StartNoWait(t testing.TB, extraEnv []string, args ...string) *Server {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), childEnv+"=1"), extraEnv...)
	return startCmd(t, cmd)
}

// StartProgram runs another program (a binary the test built, say, when
// what is measured is the real command rather than the test binary, which
// links what the tests import) and waits for its ready line.
func StartProgram(t testing.TB, path string, args ...string) *Server {
	t.Helper()
	s := startCmd(t, exec.Command(path, args...))
	line, err := s.Stdout.WaitFor(readyLine, Patience)
	if err != nil {
		t.Fatalf("no ready line: %v\nstdout:\n%s\nstderr:\n%s", err, s.Stdout, s.Stderr)
	}
	s.Addr = readyLine.FindStringSubmatch(line)[1]
	return s
}

func startCmd(t testing.TB, cmd *exec.Cmd) *Server {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Stdout: newLines(), Stderr: newLines(), cmd: cmd, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var copying sync.WaitGroup
	copying.Add(2)
	go func() { defer copying.Done(); s.Stdout.collect(stdout) }()
	go func() { defer copying.Done(); s.Stderr.collect(stderr) }()
	go func() {
		copying.Wait() // cmd.Wait closes the pipes, so read them to the end first
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
			if t.Failed() {
				s.reportPanic(t)
			}
		default:
			cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

// reportPanic shows why a child that died of a panic died, beside the
// failure it caused: the test itself usually sees only a connection that
// closed or was refused. (A skeleton of scripts/exercise.sh panics with the
// exercise still to be written, and this is where the learner reads it.)
func (s *Server) reportPanic(t testing.TB) {
	t.Helper()
	s.Stderr.mu.Lock()
	defer s.Stderr.mu.Unlock()
	for i, line := range s.Stderr.lines {
		if strings.HasPrefix(line, "panic: ") {
			end := min(i+8, len(s.Stderr.lines)) // the message and where it was raised
			t.Logf("the server died of a panic:\n%s", strings.Join(s.Stderr.lines[i:end], "\n"))
			return
		}
	}
}

// PID is the child's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Signal sends sig to the child.
func (s *Server) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// Wait waits up to timeout for the child to exit and returns its exit code.
func (s *Server) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(timeout):
		t.Fatalf("program still running after %v\nstdout:\n%s\nstderr:\n%s", timeout, s.Stdout, s.Stderr)
	}
	return s.cmd.ProcessState.ExitCode()
}

// Exited reports whether the child has ended.
func (s *Server) Exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM and checks the child exits with status 0.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.Signal(t, syscall.SIGTERM)
	if code := s.Wait(t, Patience); code != 0 {
		t.Fatalf("exit status %d after SIGTERM, want 0\nstderr:\n%s", code, s.Stderr)
	}
}

// Lines collects what a stream prints, line by line, and lets a test wait
// for a line that matches.
type Lines struct {
	mu      sync.Mutex
	lines   []string
	closed  bool
	changed chan struct{} // closed and replaced whenever a line arrives
}

func newLines() *Lines { return &Lines{changed: make(chan struct{})} }

func (l *Lines) collect(r io.Reader) {
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 64<<10), 1<<20)
	for scanner.Scan() {
		l.mu.Lock()
		l.lines = append(l.lines, scanner.Text())
		close(l.changed)
		l.changed = make(chan struct{})
		l.mu.Unlock()
	}
	l.mu.Lock()
	l.closed = true
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// WaitFor waits until a line matches re and returns it.
func (l *Lines) WaitFor(re *regexp.Regexp, timeout time.Duration) (string, error) {
	return l.WaitForNth(re, 1, timeout)
}

// WaitForNth waits until n lines match re and returns the n-th.
func (l *Lines) WaitForNth(re *regexp.Regexp, n int, timeout time.Duration) (string, error) {
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		seen := 0
		for _, line := range l.lines {
			if re.MatchString(line) {
				seen++
				if seen == n {
					l.mu.Unlock()
					return line, nil
				}
			}
		}
		closed, changed := l.closed, l.changed
		l.mu.Unlock()
		if closed {
			return "", fmt.Errorf("output ended before %d lines matched %q", n, re)
		}
		select {
		case <-changed:
		case <-deadline:
			return "", fmt.Errorf("no %d lines matched %q within %v", n, re, timeout)
		}
	}
}

// Count returns how many lines so far match re.
func (l *Lines) Count(re *regexp.Regexp) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := 0
	for _, line := range l.lines {
		if re.MatchString(line) {
			seen++
		}
	}
	return seen
}

// String returns everything collected so far.
func (l *Lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
