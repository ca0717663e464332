//go:build linux

// Command step1-socket is the smallest honest HTTP server: one blocking
// socket, one client at a time, every system call narrated on stderr and
// every byte of each request printed on stdout with \r and \n made visible.
//
//	go run ./step1-socket [-addr :8080] [-backlog 128] [-reuseaddr=true] [-once]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"epollhttp/step1-socket/sock"

	"golang.org/x/sys/unix"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its arguments and outputs passed in, so tests can start
// the real program in a child process and read what it prints.
func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("step1-socket", flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", ":8080", "host:port to listen on (port 0 picks a free port)")
	backlog := flags.Int("backlog", 128, "listen(2) backlog: completed connections the kernel queues for accept")
	reuseAddr := flags.Bool("reuseaddr", true, "set SO_REUSEADDR, so a restart can bind while old connections sit in TIME_WAIT")
	once := flags.Bool("once", false, "serve one connection, then exit")
	if err := flags.Parse(args); err != nil {
		return 2
	}

	narrator := &sock.Narrator{Out: stderr}
	l, err := sock.Listen(narrator, *addr, sock.ListenConfig{Backlog: *backlog, ReuseAddr: *reuseAddr})
	if err != nil {
		fmt.Fprintf(stderr, "step1-socket: %v\n", err)
		if errors.Is(err, unix.EADDRINUSE) {
			explainAddrInUse(stderr, *reuseAddr)
		}
		return 1
	}
	stopOnSignal(narrator, l.FD, stderr)
	fmt.Fprintf(stdout, "step1-socket: listening on %s\n", l.Addr)
	return serveClients(narrator, l, *once, stdout, stderr)
}

// serveClients is the accept loop: take the next connection from the
// kernel's queue (accept(2) sleeps until there is one), serve it from start
// to finish, and only then take the next. With once, it stops after the
// first connection and returns the exit status.
func serveClients(narrator *sock.Narrator, l *sock.Listener, once bool, stdout, stderr io.Writer) int {
	// exercise 1.4 begin: the accept loop, one client after another
	for served := 1; ; served++ {
		fd, peer, err := sock.Accept(narrator, l.FD, 0)
		if err != nil {
			// ECONNABORTED: a client gave up while queued; EMFILE/ENFILE: out of
			// descriptors. Neither is the listener's fault, so keep serving.
			fmt.Fprintf(stderr, "step1-socket: accept: %v\n", err)
			continue
		}
		serveConnection(narrator, fd, peer, served, stdout, stderr)
		if once {
			sock.Close(narrator, l.FD)
			return 0
		}
	}
	// exercise 1.4 end
}

// explainAddrInUse says what EADDRINUSE most likely means. Linux lets bind
// pass connections in TIME_WAIT only when both the new socket and the old
// connections had SO_REUSEADDR, so the advice depends on the flag.
func explainAddrInUse(stderr io.Writer, reuseAddr bool) {
	if !reuseAddr {
		fmt.Fprintln(stderr, "step1-socket: a program is listening on this port, or connections to it wait in TIME_WAIT; -reuseaddr=true gets past the second (see ss -tan)")
		return
	}
	fmt.Fprintln(stderr, "step1-socket: a program is listening on this port (ss -ltnp shows which), or a server that ran without SO_REUSEADDR left connections in TIME_WAIT (gone within a minute)")
}

// stopOnSignal makes Ctrl-C (SIGINT) and SIGTERM end the program with exit
// status 0. The main goroutine may be asleep in accept(2) or read(2), and a
// signal does not wake a blocking call Go has restarted, so the goroutine
// that receives the signal ends the process itself.
func stopOnSignal(narrator *sock.Narrator, listenFD int, stderr io.Writer) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-signals
		fmt.Fprintf(stderr, "step1-socket: got %v, closing the listening socket and exiting\n", sig)
		sock.Close(narrator, listenFD)
		os.Exit(0)
	}()
}
