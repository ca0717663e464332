// Command check is the course's stage tester: it talks raw HTTP/1.1 over
// TCP to a server, one of the course's or your own in any language, and
// says, check by check, what works and what does not, with the bytes that
// show it and the section of the notes that teaches it.
//
//	go run ./scripts/check -stage N -addr HOST:PORT     a server already running
//	go run ./scripts/check -stage N -- CMD ARGS...      the tester starts it
//	go run ./scripts/check -only N ...                  one stage alone
//	go run ./scripts/check -list                        every check
//
// It is a client, so it may use package net; it judges responses with its
// own parser (response.go), never net/http's.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	interrupted := make(chan os.Signal, 1)
	signal.Notify(interrupted, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-interrupted
		stopAll() // the servers are in their own process groups: Ctrl-C missed them
		removeTemps()
		os.Exit(130)
	}()
	os.Exit(runTester(os.Args[1:], os.Stdout, os.Stderr))
}

const usageText = `usage: go run ./scripts/check -stage N -addr HOST:PORT
       go run ./scripts/check -stage N [flags] -- CMD ARGS...
       go run ./scripts/check -only N ...
       go run ./scripts/check -list

Checks an HTTP/1.1 server, the course's or your own in any language, stage
by stage: 1 socket, 2 epoll, 3 parse, 4 final, 5 hardening (notes/01 to
05). -stage N runs stages 1 to N and stops after the first that fails;
-only N runs stage N alone.

With -- CMD ARGS..., the tester starts the server itself: {port} in ARGS
becomes a free port on 127.0.0.1, {root} a directory of files it asks for
under /static/. Stage 4 needs {root}; stage 5 needs CMD, -header-timeout
and -idle-timeout (the values the server was started with). CMD should be
the server itself, or exec it: stage 5 signals it and reads its exit
status. A "go run" CMD is built first, for that very reason.

Exit status: 0 every check passed, 1 one failed, 2 usage error or no server.

flags:
`

type options struct {
	stage, only   int
	addr          string
	list, verbose bool
	timeout       time.Duration
	headerTimeout time.Duration
	idleTimeout   time.Duration
	cmd           []string
}

// stages lists the stages asked for.
func (o options) stages() []int {
	if o.only > 0 {
		return []int{o.only}
	}
	var ns []int
	for n := 1; n <= o.stage; n++ {
		ns = append(ns, n)
	}
	return ns
}

func (o options) wants(n int) bool { return slices.Contains(o.stages(), n) }

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
	fs.IntVar(&o.stage, "stage", 0, "run stages 1 to `N` (1 socket, 2 epoll, 3 parse, 4 final, 5 hardening)")
	fs.IntVar(&o.only, "only", 0, "run stage `N` alone")
	fs.StringVar(&o.addr, "addr", "", "the server's `HOST:PORT`, when it is already running")
	fs.BoolVar(&o.list, "list", false, "list every check: its stage, its name, what it asks")
	fs.BoolVar(&o.verbose, "v", false, "show the bytes of passing checks too")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "how long to wait for each answer (raise it on a slow machine)")
	fs.DurationVar(&o.headerTimeout, "header-timeout", 0, "the server's header timeout, for stage 5 (pass the same to the server)")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", 0, "the server's idle timeout, for stage 5 (pass the same to the server)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.cmd = fs.Args()
	if len(o.cmd) > 0 && !hasTerminator(args) {
		return o, fmt.Errorf("unexpected argument %q: the server's command goes after --", o.cmd[0])
	}
	if o.list {
		return o, nil
	}
	return o, o.validate()
}

func hasTerminator(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return true
		}
	}
	return false
}

func (o options) validate() error {
	switch {
	case (o.stage == 0) == (o.only == 0):
		return errors.New("give one of -stage N and -only N")
	case o.stage < 0 || o.stage > 5 || o.only < 0 || o.only > 5:
		return errors.New("stages go from 1 to 5")
	case o.timeout <= 0:
		return errors.New("-timeout must be positive")
	case o.addr == "" && len(o.cmd) == 0:
		return errors.New("say where the server is: -addr HOST:PORT, or -- CMD ARGS... to let the tester start it")
	case len(o.cmd) > 0 && o.addr == "" && !argsMention(o.cmd, "{port}"):
		return errors.New("put {port} in the server's arguments (the tester picks a free one), or give -addr")
	case o.wants(4) && !argsMention(o.cmd, "{root}"):
		return errors.New("stage 4 serves files the tester writes: start the server through the tester (-- CMD ARGS...) with {root} in ARGS, as in -root {root}")
	case o.wants(5) && len(o.cmd) == 0:
		return errors.New("stage 5 signals the server and limits its descriptors: let the tester start it (-- CMD ARGS...)")
	case o.wants(5) && (o.headerTimeout <= 0 || o.idleTimeout <= 0):
		return errors.New("stage 5 needs -header-timeout D and -idle-timeout D: the values the server was started with (2s and 3s keep it short)")
	}
	return nil
}

func argsMention(args []string, what string) bool {
	for _, a := range args {
		if strings.Contains(a, what) {
			return true
		}
	}
	return false
}

// runTester is main with its arguments and outputs passed in, so that the
// tests can run it.
func runTester(args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "check: %v\n", err)
		fmt.Fprintln(stderr, "check: -h says more")
		return 2
	}
	if o.list {
		printList(stdout)
		return 0
	}
	s := &session{out: stdout, verbose: o.verbose, timeout: o.timeout,
		headerTimeout: o.headerTimeout, idleTimeout: o.idleTimeout, host: "127.0.0.1"}
	tmp, err := os.MkdirTemp("", "check-")
	if err != nil {
		fmt.Fprintf(stderr, "check: %v\n", err)
		return 2
	}
	addTemp(tmp)
	defer removeTemp(tmp)
	if err := s.begin(o, tmp); err != nil {
		fmt.Fprintf(stderr, "check: %v\n", err)
		return 2
	}
	defer s.end()
	return s.runStages(o.stages())
}

// Temporary directories, removed on the way out, Ctrl-C included.
var temps = struct {
	sync.Mutex
	dirs map[string]bool
}{dirs: map[string]bool{}}

func addTemp(dir string) {
	temps.Lock()
	defer temps.Unlock()
	temps.dirs[dir] = true
}

func removeTemp(dir string) {
	temps.Lock()
	defer temps.Unlock()
	os.RemoveAll(dir)
	delete(temps.dirs, dir)
}

func removeTemps() {
	temps.Lock()
	defer temps.Unlock()
	for dir := range temps.dirs {
		os.RemoveAll(dir)
	}
}

func printList(w io.Writer) {
	width := nameWidth()
	for _, st := range stages() {
		fmt.Fprintf(w, "stage %d, %s (%s)\n", st.n, st.name, st.note)
		for _, c := range st.checks {
			fmt.Fprintf(w, "  %-*s  %s\n", width, c.id(), c.asks)
		}
	}
}
