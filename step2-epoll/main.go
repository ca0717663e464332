//go:build linux

// Command step2-epoll serves many clients from one thread with epoll(7), in
// level-triggered or edge-triggered mode, so the two can be compared, and
// the edge-triggered "forgot to read until EAGAIN" stall can be seen.
//
//	go run ./step2-epoll [-addr :8080] [-mode level|edge] [-drain=true] [-bufsize 4096] [-trace]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"epollhttp/step1-socket/sock"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("step2-epoll", flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", ":8080", "host:port to listen on (port 0 picks a free port)")
	mode := flags.String("mode", "level", "epoll mode: level (report while readable) or edge (report each arrival, EPOLLET)")
	var drain autoBool
	flags.Var(&drain, "drain", "read until EAGAIN on every wakeup (default: on in edge mode, which needs it; off in level mode, which is told again while bytes remain)")
	bufSize := flags.Int("bufsize", 4096, "bytes asked for by each read(2); make it small to see a request take several reads")
	backlog := flags.Int("backlog", 4096, "listen(2) backlog (the kernel caps it at net.core.somaxconn)")
	trace := flags.Bool("trace", false, "print every syscall of the loop on stderr: epoll_wait with its events, each read and its size (EAGAIN included)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *mode != "level" && *mode != "edge" {
		fmt.Fprintf(stderr, "step2-epoll: -mode %q: want level or edge\n", *mode)
		return 2
	}
	if *bufSize < 1 {
		fmt.Fprintf(stderr, "step2-epoll: -bufsize %d: want at least 1\n", *bufSize)
		return 2
	}
	cfg := config{addr: *addr, edge: *mode == "edge", bufSize: *bufSize, backlog: *backlog}
	cfg.drain = drain.value(cfg.edge)

	sock.StartRuntimePoller() // before clients can use up our descriptors; see its comment
	narrator := &sock.Narrator{}
	if *trace {
		narrator.Out = stderr
	}
	s, err := newServer(cfg, narrator)
	if err != nil {
		fmt.Fprintf(stderr, "step2-epoll: %v\n", err)
		return 1
	}
	stopOnSignal(s, stderr)
	fmt.Fprintf(stdout, "step2-epoll: listening on %s (%s)\n", s.listener.Addr, describe(cfg))
	err = s.serve()
	fmt.Fprintf(stdout, "step2-epoll: %s\n", &s.counters)
	if err != nil {
		fmt.Fprintf(stderr, "step2-epoll: %v\n", err)
		return 1
	}
	return 0
}

func describe(cfg config) string {
	mode, reads := "level-triggered", "one read per wakeup"
	if cfg.edge {
		mode = "edge-triggered"
	}
	if cfg.drain {
		reads = "reads until EAGAIN"
	}
	return fmt.Sprintf("%s, %s, %d-byte reads", mode, reads, cfg.bufSize)
}

// stopOnSignal turns SIGINT and SIGTERM into a write to the loop's eventfd.
// The loop sleeps in epoll_wait on its own thread; Go delivers the signal to
// a channel, not to that thread, so the eventfd is how the news gets in.
// The loop then closes every connection, prints its counters, and main
// returns 0.
func stopOnSignal(s *server, stderr io.Writer) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-signals
		fmt.Fprintf(stderr, "step2-epoll: got %v, stopping\n", sig)
		s.stop()
	}()
}

// autoBool is a boolean flag that remembers whether it was given, so its
// default can depend on another flag (-drain follows -mode).
type autoBool struct{ set, on bool }

func (b *autoBool) IsBoolFlag() bool { return true }

func (b *autoBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	b.set, b.on = true, v
	return err
}

func (b *autoBool) String() string {
	if b == nil || !b.set {
		return "auto"
	}
	return strconv.FormatBool(b.on)
}

func (b *autoBool) value(auto bool) bool {
	if b.set {
		return b.on
	}
	return auto
}
