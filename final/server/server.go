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
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"epollhttp/step1-socket/sock"
	"epollhttp/step2-epoll/kit"
	"epollhttp/step2-epoll/poll"
	"epollhttp/step3-parse/httpparse"

	"golang.org/x/sys/unix"
)

// Config is everything a Server can be told. Every zero field takes the
// default of DefaultConfig, field by field (Limits too); a negative MaxConns
// means no limit.
type Config struct {
	Addr          string // host:port; port 0 picks a free port
	Loops         int    // event loops, each on its own thread; default GOMAXPROCS
	Backlog       int    // listen(2) backlog per loop
	Handler       Handler
	Limits        httpparse.Limits
	MaxConns      int   // connections open at once, over all loops; past it: 503
	MaxOutput     int   // bytes of output one connection may have waiting before its requests wait too
	MaxBodyBuffer int64 // bytes one loop may hold in request bodies (and large unsent responses) before new bodies get 503; at least Limits.MaxBodyBytes

	IdleTimeout   time.Duration // keep-alive connection with no request under way
	HeaderTimeout time.Duration // from the first byte of a request to the end of its head
	BodyTimeout   time.Duration // from the end of the head to the end of the body
	WriteTimeout  time.Duration // a client that takes none of our output
	DrainTimeout  time.Duration // the most Shutdown waits for requests in flight

	AccessLog io.Writer // one line per request, written off the loops; nil for none
	ErrorLog  io.Writer // handler panics with their stacks; nil: os.Stderr
	Trace     io.Writer // every syscall of every loop (blocking: a debugging aid); nil for none
}

// DefaultConfig is what the final command starts from.
func DefaultConfig() Config {
	return Config{
		Addr: ":8080", Loops: runtime.GOMAXPROCS(0), Backlog: 4096,
		Limits: httpparse.DefaultLimits(), MaxConns: 20000, MaxOutput: 256 << 10, MaxBodyBuffer: 64 << 20,
		IdleTimeout: 30 * time.Second, HeaderTimeout: 10 * time.Second, BodyTimeout: 60 * time.Second,
		WriteTimeout: 30 * time.Second, DrainTimeout: 5 * time.Second,
		ErrorLog: os.Stderr,
	}
}

// Server is a set of loops.
type Server struct {
	cfg      Config
	loops    []*loop
	addr     netip.AddrPort
	open     atomic.Int64 // connections open, all loops together
	draining atomic.Bool
	stopNow  atomic.Bool
	started  time.Time
	traceMu  sync.Mutex
	logs     logWriters

	lifeMu sync.Mutex // guards phase
	phase  phase
}

// phase is where the Server stands: Serve runs once, and Close before it
// releases what New opened.
type phase uint8

const (
	phaseNew phase = iota
	phaseServing
	phaseClosed
)

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
	s.logs = newLogWriters(cfg.AccessLog, cfg.ErrorLog)
	addr := cfg.Addr
	for i := 0; i < cfg.Loops; i++ {
		l, err := s.newLoop(i, addr)
		if err != nil {
			s.closeLoops()
			s.logs.close()
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
	orDefault(&cfg.Loops, d.Loops)
	orDefault(&cfg.Backlog, d.Backlog)
	orDefault(&cfg.MaxOutput, d.MaxOutput)
	orDefault(&cfg.MaxBodyBuffer, d.MaxBodyBuffer)
	if cfg.MaxConns == 0 { // negative: no limit
		cfg.MaxConns = d.MaxConns
	}
	cfg.Limits = cfg.Limits.WithDefaults()
	// One body must fit in the budget, or it could never be served.
	cfg.MaxBodyBuffer = max(cfg.MaxBodyBuffer, cfg.Limits.MaxBodyBytes)
	for _, p := range []struct{ v, def *time.Duration }{
		{&cfg.IdleTimeout, &d.IdleTimeout}, {&cfg.HeaderTimeout, &d.HeaderTimeout},
		{&cfg.BodyTimeout, &d.BodyTimeout}, {&cfg.WriteTimeout, &d.WriteTimeout},
		{&cfg.DrainTimeout, &d.DrainTimeout},
	} {
		if *p.v == 0 { // negative: that timeout is off (a drain then does not wait)
			*p.v = *p.def
		}
	}
	if cfg.ErrorLog == nil {
		cfg.ErrorLog = d.ErrorLog
	}
}

// orDefault replaces a zero or negative value with the default.
func orDefault[T int | int64](v *T, def T) {
	if *v <= 0 {
		*v = def
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
	l := &loop{id: id, srv: s, cfg: &s.cfg, handler: s.cfg.Handler, listenFD: -1}
	l.trace = newTrace(s.cfg.Trace, &s.traceMu, id)
	l.log.out = s.logs.access
	l.errs = s.logs.errors
	l.timers = newTimers(&s.cfg)
	l.inputs.size, l.smalls.size = readSize, smallSize
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
		l.closeAll()
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
	l.trace.Call("setsockopt("+strconv.Itoa(l.listenFD)+", SOL_TCP, TCP_NODELAY, [1], 4)", 0, err)
	if err != nil {
		l.closeAll()
		return nil, fmt.Errorf("TCP_NODELAY: %w", err)
	}
	if id == 0 {
		s.addr = ln.Addr
	}
	if l.waker, err = kit.NewWaker(l.trace); err != nil {
		l.closeAll()
		return nil, err
	}
	l.spare = kit.NewSpare(l.trace)
	if err := l.poller.Add(l.listenFD, unix.EPOLLIN, 0); err != nil {
		l.closeAll()
		return nil, fmt.Errorf("epoll_ctl listener: %w", err)
	}
	if err := l.poller.Add(l.waker.FD(), unix.EPOLLIN, 0); err != nil {
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
// and returns when all have ended (after Shutdown or Close). It may be
// called once.
func (s *Server) Serve() error {
	s.lifeMu.Lock()
	if s.phase != phaseNew {
		s.lifeMu.Unlock()
		return errors.New("server: Serve called twice, or after Close")
	}
	s.phase = phaseServing
	s.lifeMu.Unlock()
	defer s.logs.close()

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

// LogLinesDropped is the number of access log lines dropped because the
// writer (a terminal, a pipe) fell behind: the loops never wait for it.
func (s *Server) LogLinesDropped() uint64 {
	if s.logs.access == nil {
		return 0
	}
	return s.logs.access.dropped.Load()
}
