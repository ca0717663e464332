package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The server under test, when the tester starts it (-- CMD ARGS...). It
// runs in a process group of its own, so that the tester can signal it and
// whatever it started (a shell wrapper, say) and clean up after itself; its
// output is kept, not shown, unless it dies.

const (
	readyWithin = 60 * time.Second // a cold JVM or an interpreter may be slow to listen
	buildWithin = 5 * time.Minute  // go build on a cold cache downloads modules
	stopWithin  = 10 * time.Second // after SIGTERM, before SIGKILL
)

// launcher knows how to start another instance of the server: stage 5
// needs fresh ones, to send one SIGTERM and to starve another of
// descriptors.
type launcher struct {
	argv  []string // with {port} and {root} still in it
	root  string   // what {root} becomes; "" if ARGS do not name it
	fixed string   // -addr given with a command: the port is the server's business
}

// server is one running instance.
type server struct {
	cmd   *exec.Cmd
	argv  []string // as started
	addr  string
	out   *tail
	done  chan struct{} // closed when the process has exited
	state *os.ProcessState
}

// start starts one instance and waits until it accepts connections. With
// nofile > 0 its descriptor limit is lowered to that, soft and hard.
func (l *launcher) start(nofile int, host string) (*server, error) {
	addr := l.fixed
	if addr == "" {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		addr = net.JoinHostPort(host, strconv.Itoa(port))
	}
	_, port, _ := net.SplitHostPort(addr)
	argv := make([]string, len(l.argv))
	for i, a := range l.argv {
		a = strings.ReplaceAll(a, "{port}", port)
		argv[i] = strings.ReplaceAll(a, "{root}", l.root)
	}
	s := &server{argv: argv, addr: addr, out: &tail{}, done: make(chan struct{})}
	s.cmd = exec.Command(argv[0], argv[1:]...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	s.cmd.WaitDelay = time.Second // a grandchild holding the output pipe must not hold us
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	register(s)
	go func() {
		s.cmd.Wait()
		s.state = s.cmd.ProcessState
		close(s.done)
	}()
	if nofile > 0 {
		// Both limits: a Go server raises its soft limit to the hard one
		// as it starts, so a soft limit alone would not hold.
		if err := setNofile(s.cmd.Process.Pid, nofile); err != nil {
			s.stop()
			return nil, fmt.Errorf("prlimit(2) on the server: %w", err)
		}
	}
	if err := waitReady(s, addr, readyWithin); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// freePort asks the kernel for a port nobody uses now. Another program
// could take it before the server binds it; on a test machine, rarely.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady dials until the server accepts, then sends one plain request
// and reads its answer, whatever it is: that a server listens says little
// about whether it has finished starting, and closing the probe without a
// request would already be a test (stage1.empty_connection). With s nil
// (-addr), the server is somebody else's.
func waitReady(s *server, addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			probe(conn.(*net.TCPConn), addr)
			return nil
		}
		if s != nil && s.exited() {
			return fmt.Errorf("the server exited before it accepted a connection: %s", s.status())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing accepted a connection on %s within %s: %v", addr, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func probe(conn *net.TCPConn, addr string) {
	c := &client{label: "probe", conn: conn, timeout: 5 * time.Second}
	defer c.close()
	if c.send([]byte("GET / HTTP/1.1\r\nHost: "+addr+"\r\nConnection: close\r\n\r\n")) == nil {
		c.response("GET")
	}
}

func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// exitedWithin waits up to d for the process to end.
func (s *server) exitedWithin(d time.Duration) bool {
	select {
	case <-s.done:
		return true
	case <-time.After(d):
		return false
	}
}

// status says how the process ended, in words.
func (s *server) status() string {
	if !s.exited() {
		return "still running"
	}
	ws, ok := s.state.Sys().(syscall.WaitStatus)
	switch {
	case ok && ws.Signaled():
		return "killed by " + ws.Signal().String()
	case ok:
		return fmt.Sprintf("exit status %d", ws.ExitStatus())
	}
	return s.state.String()
}

// exitCode is the exit status, or -1 if a signal ended it.
func (s *server) exitCode() int {
	if ws, ok := s.state.Sys().(syscall.WaitStatus); ok && !ws.Signaled() {
		return ws.ExitStatus()
	}
	return -1
}

// signal signals the server's process group: the server, and anything it
// started in the same group.
func (s *server) signal(sig syscall.Signal) error {
	return syscall.Kill(-s.cmd.Process.Pid, sig)
}

// stop ends the instance: SIGTERM, then SIGKILL if it is still there.
func (s *server) stop() {
	if !s.exited() {
		s.signal(syscall.SIGTERM)
		if !s.exitedWithin(stopWithin) {
			s.signal(syscall.SIGKILL)
			<-s.done
		}
	}
	// Whatever the server left running in its group goes too.
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	unregister(s)
}

// running is every instance started and not yet stopped, so that main can
// stop them on Ctrl-C: they are in their own process groups, which the
// terminal's SIGINT does not reach.
var running = struct {
	sync.Mutex
	set map[*server]bool
}{set: map[*server]bool{}}

func register(s *server) {
	running.Lock()
	defer running.Unlock()
	running.set[s] = true
}

func unregister(s *server) {
	running.Lock()
	defer running.Unlock()
	delete(running.set, s)
}

func stopAll() {
	running.Lock()
	all := make([]*server, 0, len(running.set))
	for s := range running.set {
		all = append(all, s)
	}
	running.Unlock()
	for _, s := range all {
		s.stop()
	}
}

// tail keeps the last bytes a server wrote to stdout and stderr, to show
// when it dies.
type tail struct {
	mu sync.Mutex
	b  []byte
}

const tailBytes = 16 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > tailBytes {
		t.b = append([]byte(nil), t.b[len(t.b)-tailBytes:]...)
	}
	return len(p), nil
}

// lines returns the last n lines written.
func (t *tail) lines(n int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	all := strings.Split(strings.TrimRight(string(t.b), "\n"), "\n")
	if len(all) > n {
		all = all[len(all)-n:]
	}
	if len(all) == 1 && all[0] == "" {
		return nil
	}
	return all
}

// buildGoRun turns `go run [build flags] PACKAGE [ARGS]` into a binary
// built once and its arguments. go run would stand between the tester and
// the server: a SIGTERM would end go run, not the server, and the exit
// status and the descriptor limit would be go run's.
func buildGoRun(argv []string, dir string, log func(string)) ([]string, error) {
	flags, pkgs, args := splitGoRun(argv[2:])
	if len(pkgs) == 0 {
		return nil, errors.New("go run: no package to run")
	}
	name := filepath.Base(strings.TrimSuffix(pkgs[0], "/"))
	if len(pkgs) > 1 || strings.HasSuffix(name, ".go") || name == "." || name == "" {
		name = "server"
	}
	bin := filepath.Join(dir, name)
	build := append(append([]string{"build", "-o", bin}, flags...), pkgs...)
	log(fmt.Sprintf("# go run: building first (go %s), so that signals and limits reach the server itself", strings.Join(build, " ")))
	cmd := exec.Command("go", build...)
	out := &tail{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("go build: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return nil, fmt.Errorf("go build failed (%v):\n%s", err, strings.Join(out.lines(30), "\n"))
		}
	case <-time.After(buildWithin):
		cmd.Process.Kill()
		<-done
		return nil, fmt.Errorf("go build did not finish within %s", buildWithin)
	}
	return append([]string{bin}, args...), nil
}

// splitGoRun separates go run's own arguments: build flags, then the
// package (or .go files), then the program's arguments.
func splitGoRun(args []string) (flags, pkgs, rest []string) {
	takesValue := map[string]bool{
		"C": true, "p": true, "tags": true, "ldflags": true, "gcflags": true, "asmflags": true,
		"gccgoflags": true, "mod": true, "modfile": true, "overlay": true, "pgo": true,
		"pkgdir": true, "toolexec": true, "covermode": true, "coverpkg": true,
		"buildmode": true, "compiler": true, "installsuffix": true,
	}
	i := 0
	for i < len(args) && strings.HasPrefix(args[i], "-") {
		name := strings.TrimLeft(args[i], "-")
		if !strings.Contains(name, "=") && takesValue[name] && i+1 < len(args) {
			flags = append(flags, args[i], args[i+1])
			i += 2
			continue
		}
		flags = append(flags, args[i])
		i++
	}
	for i < len(args) && (len(pkgs) == 0 || strings.HasSuffix(args[i], ".go") && strings.HasSuffix(pkgs[0], ".go")) {
		pkgs = append(pkgs, args[i])
		i++
	}
	return flags, pkgs, args[i:]
}
