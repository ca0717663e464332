// Command gnet is one of the peers scripts/bench.sh measures final beside:
// gnet (github.com/panjf2000/gnet/v2), an event-loop networking library for
// Go, the same design as final's (epoll, non-blocking sockets, no goroutine
// per connection), with no HTTP in it. This server adds the least HTTP/1.1
// the benchmark needs: a request splitter (request.go) and final's
// /plaintext answer (response.go), one write per batch of pipelined
// requests. It runs one event loop, as final does with -loops 1.
//
// It is a module of its own, outside go.work, so that the course's modules
// never see gnet's dependencies. From this directory:
//
//	GOWORK=off go run . -addr 127.0.0.1:0
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/panjf2000/gnet/v2"
)

func main() {
	addr := flag.String("addr", ":8080", "host:port to listen on")
	flag.Parse()
	go func() {
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
		<-signals
		os.Exit(0)
	}()
	tick(time.Now()) // a Date before the first request, whatever OnTick's timing
	s := &server{ready: func(addr string) { fmt.Printf("gnet: listening on %s\n", addr) }}
	err := gnet.Run(s, "tcp://"+*addr,
		gnet.WithMulticore(false), // one event loop, on the thread GOMAXPROCS allows
		gnet.WithTicker(true),     // OnTick: the Date field, once a second
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithLogger(stderrLogger{}),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gnet:", err)
		os.Exit(1)
	}
}

// stderrLogger keeps gnet's warnings and errors, on stderr, and drops its
// informational lines, which its default logger prints on stdout, where the
// scripts look for the ready line.
type stderrLogger struct{}

func (stderrLogger) Debugf(string, ...any) {}
func (stderrLogger) Infof(string, ...any)  {}
func (stderrLogger) Warnf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gnet: warning: "+format+"\n", args...)
}
func (stderrLogger) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gnet: error: "+format+"\n", args...)
}
func (stderrLogger) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gnet: fatal: "+format+"\n", args...)
	os.Exit(1)
}
