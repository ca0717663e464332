//go:build linux

// Command final is the course's complete HTTP/1.1 server: several epoll
// event loops, keep-alive, pipelining, request bodies, static files with
// sendfile, timeouts and a graceful shutdown, built from the three steps.
//
//	go run ./final [-addr :8080] [-loops N] [-root DIR] [-trace] [-quiet]
//	               [-idle-timeout D] [-header-timeout D] [-body-timeout D]
//	               [-write-timeout D] [-drain-timeout D] [-max-conns N]
//	               [-max-header-bytes N] [-max-body-bytes N] [-max-body-buffer N]
//	               [-stats-gc] [-lifecycle] [-cpuprofile FILE]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"sync"
	"syscall"

	"epollhttp/final/server"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg := server.DefaultConfig()
	flags := flag.NewFlagSet("final", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&cfg.Addr, "addr", cfg.Addr, "host:port to listen on (port 0 picks a free port)")
	flags.IntVar(&cfg.Loops, "loops", cfg.Loops, "event loops, each one epoll instance on one OS thread (default: the number of CPUs)")
	root := flags.String("root", "", "directory served under /static/ (default: final/static or ./static, whichever exists)")
	trace := flags.Bool("trace", false, "print every syscall of every loop on stderr (the handlers' own, such as a static file's openat2, excepted)")
	quiet := flags.Bool("quiet", false, "no access log")
	cpuProfile := flags.String("cpuprofile", "", "write a CPU profile (runtime/pprof) to this file until exit; read it with go tool pprof")
	flags.DurationVar(&cfg.IdleTimeout, "idle-timeout", cfg.IdleTimeout, "close a keep-alive connection idle this long")
	flags.DurationVar(&cfg.HeaderTimeout, "header-timeout", cfg.HeaderTimeout, "a request head must arrive within this (then 408)")
	flags.DurationVar(&cfg.BodyTimeout, "body-timeout", cfg.BodyTimeout, "a request body must arrive within this after its head (then 408)")
	flags.DurationVar(&cfg.WriteTimeout, "write-timeout", cfg.WriteTimeout, "close a client that takes none of our output for this long")
	flags.DurationVar(&cfg.DrainTimeout, "drain-timeout", cfg.DrainTimeout, "on SIGINT/SIGTERM, how long requests in flight may take to finish")
	flags.IntVar(&cfg.Limits.MaxHeaderBytes, "max-header-bytes", cfg.Limits.MaxHeaderBytes, "largest request head, request line included (then 431)")
	flags.Int64Var(&cfg.Limits.MaxBodyBytes, "max-body-bytes", cfg.Limits.MaxBodyBytes, "largest request body (then 413)")
	flags.IntVar(&cfg.MaxConns, "max-conns", cfg.MaxConns, "connections open at once; past it, new ones get 503 and are closed (negative: no limit)")
	flags.Int64Var(&cfg.MaxBodyBuffer, "max-body-buffer", cfg.MaxBodyBuffer, "bytes of request bodies one loop may hold while they arrive; past it, 503 (at least -max-body-bytes)")
	statsGC := flags.Bool("stats-gc", false, "let GET /stats?gc=1 run a garbage collection first (a stop-the-world pause any client could ask for: for soak tests only)")
	lifecycle := flags.Bool("lifecycle", false, "print the connection lifecycle diagram (Mermaid), drawn from the engine's transition table, and exit")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *lifecycle {
		fmt.Fprint(stdout, server.LifecycleDiagram())
		return 0
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "final: unexpected argument %q\n", flags.Arg(0))
		return 2
	}

	dir := staticRoot(*root)
	static, err := openStatic(dir)
	if err != nil {
		fmt.Fprintf(stderr, "final: %v\n", err)
		return 1
	}
	stats := &statsPage{gcAllowed: *statsGC}
	rt := newRouter()
	routes(rt, static, stats)
	cfg.Handler = rt
	if !*quiet {
		cfg.AccessLog = stdout
	}
	if *trace {
		cfg.Trace = stderr
	}
	cfg.ErrorLog = stderr
	srv, err := server.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "final: %v\n", err)
		return 1
	}
	stats.srv, stats.allocsBase = srv, heapAllocs()
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "final: %v\n", err)
			return 1
		}
		defer stop()
	}
	announcing := stopOnSignals(srv, stderr)
	fmt.Fprintf(stdout, "final: listening on %s (%d loops, static files from %s)\n", srv.Addr(), srv.Loops(), describeRoot(dir))
	err = srv.Serve()
	announcing.Lock() // let the signal's line out first; never unlocked: we are leaving
	total := server.Total(srv.Stats())
	// Two lines, each short enough for a projector's 100 columns.
	fmt.Fprintf(stderr, "final: served %d %s on %d %s\n",
		total.Requests, plural(total.Requests, "request"), total.ConnectionsAll, plural(total.ConnectionsAll, "connection"))
	fmt.Fprintf(stderr, "final: syscalls: epoll_wait=%d read=%d write=%d accept4=%d sendfile=%d epoll_ctl=%d\n",
		total.Syscalls.EpollWait, total.Syscalls.Read, total.Syscalls.Write,
		total.Syscalls.Accept4, total.Syscalls.Sendfile, total.Syscalls.EpollCtl)
	if err != nil {
		fmt.Fprintf(stderr, "final: %v\n", err)
		return 1
	}
	return 0
}

// stopOnSignals: the first SIGINT or SIGTERM starts a graceful shutdown
// (requests in flight finish, up to -drain-timeout); a second one closes
// everything at once; a third leaves without waiting for anything.
//
// Each signal acts first and says so after: once "finishing requests in
// flight" is printed, no new connection is served, which a test or an
// operator may rely on. The server may finish in between (nothing was in
// flight), so the returned mutex is held around act-and-say, and main takes
// it before its own last line: the signal's line always comes first.
func stopOnSignals(srv *server.Server, stderr io.Writer) *sync.Mutex {
	var announcing sync.Mutex
	signals := make(chan os.Signal, 3)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-signals
		announcing.Lock()
		srv.Shutdown()
		fmt.Fprintf(stderr, "final: got %v: finishing requests in flight (send it again to stop at once)\n", sig)
		announcing.Unlock()
		sig = <-signals
		announcing.Lock()
		srv.Close()
		fmt.Fprintf(stderr, "final: got %v again: closing every connection now\n", sig)
		announcing.Unlock()
		<-signals
		os.Exit(1)
	}()
	return &announcing
}

// startCPUProfile samples where the CPU goes (pprof), for notes/06.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func plural(n uint64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// staticRoot picks the directory for /static/: the one given, or the
// course's own, found from the repository root or from final/.
func staticRoot(asked string) string {
	if asked != "" {
		return asked
	}
	for _, dir := range []string{"final/static", "static"} {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
	}
	return ""
}

func describeRoot(dir string) string {
	if dir == "" {
		return "nowhere (use -root DIR)"
	}
	return dir
}
