//go:build linux

// Package server is the event-loop HTTP/1.1 server of the course's final
// step: several epoll loops, each on its own OS thread with its own
// SO_REUSEPORT listener; connections found by descriptor; keep-alive,
// pipelining and request bodies through step 3's parser; output coalesced
// per batch with backpressure; timeouts from per-kind lists; graceful
// shutdown through an eventfd. notes/04-final.md walks through it.
package server

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"epollhttp/step1-socket/sock"
	"epollhttp/step2-epoll/poll"
	"epollhttp/step3-parse/httpparse"

	"golang.org/x/sys/unix"
)

// Config is everything a Server can be told. Zero fields take the defaults
// of DefaultConfig.
type Config struct {
	Addr      string // host:port; port 0 picks a free port
	Loops     int    // event loops, each on its own thread
	Backlog   int    // listen(2) backlog per loop
	Handler   Handler
	Limits    httpparse.Limits
	MaxConns  int // connections open at once, over all loops; past it: 503
	MaxOutput int // bytes of output one connection may have waiting before its requests wait too

	IdleTimeout   time.Duration // keep-alive connection with no request under way
	HeaderTimeout time.Duration // from the first byte of a request to the end of its head
	BodyTimeout   time.Duration // from the end of the head to the end of the body
	WriteTimeout  time.Duration // a client that takes none of our output
	DrainTimeout  time.Duration // how long Shutdown waits for requests in flight

	AccessLog io.Writer // one line per request; nil for none
	Trace     io.Writer // every syscall of every loop; nil for none
}

// DefaultConfig is what the final command starts from.
func DefaultConfig() Config {
	return Config{
		Addr: ":8080", Loops: runtime.NumCPU(), Backlog: 4096,
		Limits: httpparse.DefaultLimits(), MaxConns: 20000, MaxOutput: 256 << 10,
		IdleTimeout: 30 * time.Second, HeaderTimeout: 10 * time.Second, BodyTimeout: 60 * time.Second,
		WriteTimeout: 30 * time.Second, DrainTimeout: 5 * time.Second,
	}
}

// Server is a running set of loops.
type Server struct {
	cfg      Config
	loops    []*loop
	addr     netip.AddrPort
	open     atomic.Int64 // connections open, all loops together
	draining atomic.Bool
	stopNow  atomic.Bool
	wakeMu   sync.Mutex // guards the loops' eventfds against writes after close
	started  time.Time
	traceMu  sync.Mutex
}

// New opens the listeners and epoll instances; Serve starts the loops.
func New(cfg Config) (*Server, error) {
	fillDefaults(&cfg)
	if cfg.Handler == nil {
		return nil, errors.New("server: no Handler")
	}
	// The Go runtime opens its own epoll instance lazily; make it do so now,
	// before clients can use up our descriptors (see sock.StartRuntimePoller).
	sock.StartRuntimePoller()
	s := &Server{cfg: cfg, started: time.Now()}
	addr := cfg.Addr
	for i := 0; i < cfg.Loops; i++ {
		l, err := s.newLoop(i, addr)
		if err != nil {
			s.closeLoops()
			return nil, err
		}
		s.loops = append(s.loops, l)
		// The other loops join the first one's port, which matters when
		// the port was 0 and the kernel picked it.
		addr = listenerAddr(cfg.Addr, s.addr)
	}
	return s, nil
}

func fillDefaults(cfg *Config) {
	d := DefaultConfig()
	if cfg.Loops <= 0 {
		cfg.Loops = d.Loops
	}
	if cfg.Backlog <= 0 {
		cfg.Backlog = d.Backlog
	}
	if cfg.Limits == (httpparse.Limits{}) {
		cfg.Limits = d.Limits
	}
	if cfg.MaxOutput <= 0 {
		cfg.MaxOutput = d.MaxOutput
	}
	for _, p := range []struct{ v, def *time.Duration }{
		{&cfg.IdleTimeout, &d.IdleTimeout}, {&cfg.HeaderTimeout, &d.HeaderTimeout},
		{&cfg.BodyTimeout, &d.BodyTimeout}, {&cfg.WriteTimeout, &d.WriteTimeout},
		{&cfg.DrainTimeout, &d.DrainTimeout},
	} {
		if *p.v == 0 {
			*p.v = *p.def
		}
	}
}

// listenerAddr is the address the second and later loops bind: the same
// host as asked, on the port the first loop got.
func listenerAddr(asked string, got netip.AddrPort) string {
	host := asked[:len(asked)-len(portOf(asked))]
	return fmt.Sprintf("%s%d", host, got.Port())
}

func portOf(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[i+1:]
		}
	}
	return ""
}

func (s *Server) newLoop(id int, addr string) (*loop, error) {
	l := &loop{id: id, srv: s, cfg: &s.cfg, handler: s.cfg.Handler, listenFD: -1, wakeFD: -1, spareFD: -1}
	l.trace = newTrace(s.cfg.Trace, &s.traceMu, id)
	l.log.w = s.cfg.AccessLog
	l.timers = newTimers(&s.cfg)
	var err error
	if l.poller, err = poll.New(256, l.trace); err != nil {
		return nil, err
	}
	// SO_REUSEPORT: every loop gets a listening socket of its own on the
	// same port, and the kernel spreads new connections across them, so no
	// loop hands connections to another and none needs a lock.
	ln, err := sock.Listen(l.trace, addr, sock.ListenConfig{
		Backlog: s.cfg.Backlog, ReuseAddr: true, ReusePort: true, NonBlocking: true,
	})
	if err != nil {
		l.poller.Close()
		return nil, err
	}
	l.listenFD = ln.FD
	// TCP_NODELAY turns off Nagle's algorithm (tcp(7)), which holds a small
	// segment back while an earlier one is unacknowledged. A response made
	// of two writes (a head, then a file's body through sendfile) would
	// otherwise wait for the client's delayed ACK: 40 ms per file on a
	// kept-alive connection. Accepted sockets inherit it from the listener,
	// so this one call covers every connection.
	err = unix.SetsockoptInt(l.listenFD, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	l.trace.Call("setsockopt("+itoa(l.listenFD)+", SOL_TCP, TCP_NODELAY, [1], 4)", 0, err)
	if err != nil {
		l.closeAll()
		return nil, fmt.Errorf("TCP_NODELAY: %w", err)
	}
	if id == 0 {
		s.addr = ln.Addr
	}
	l.wakeFD, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	l.trace.Call("eventfd2(0, EFD_CLOEXEC|EFD_NONBLOCK)", l.wakeFD, err)
	if err != nil {
		l.closeAll()
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	l.openSpare()
	if err := l.poller.Add(l.listenFD, unix.EPOLLIN, 0); err != nil {
		l.closeAll()
		return nil, fmt.Errorf("epoll_ctl listener: %w", err)
	}
	if err := l.poller.Add(l.wakeFD, unix.EPOLLIN, 0); err != nil {
		l.closeAll()
		return nil, fmt.Errorf("epoll_ctl eventfd: %w", err)
	}
	return l, nil
}

func (s *Server) closeLoops() {
	for _, l := range s.loops {
		l.closeAll()
	}
}

// Addr is the address the server listens on, with the real port.
func (s *Server) Addr() netip.AddrPort { return s.addr }

// Loops is the number of event loops.
func (s *Server) Loops() int { return len(s.loops) }

// Started is when New returned.
func (s *Server) Started() time.Time { return s.started }

// Serve runs every loop, each on a goroutine locked to its own OS thread,
// and returns when all have ended (after Shutdown or Close).
func (s *Server) Serve() error {
	errs := make(chan error, len(s.loops))
	for _, l := range s.loops {
		go func(l *loop) { errs <- l.run() }(l)
	}
	var first error
	for range s.loops {
		if err := <-errs; err != nil && first == nil {
			first = err
			s.Close() // one loop failed: stop the others too
		}
	}
	return first
}
