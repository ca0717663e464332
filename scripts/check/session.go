package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// session is one run of the tester: the server it checks, and the report.
type session struct {
	out           io.Writer
	verbose       bool
	timeout       time.Duration // for each answer
	headerTimeout time.Duration // the server's, for stage 5
	idleTimeout   time.Duration
	host          string // where a server started with {port} listens
	addr          string // the server's HOST:PORT
	launch        *launcher
	srv           *server  // the instance the checks talk to; nil with -addr
	root          *rootDir // what {root} names; nil without it
	gone          atomic.Bool
}

// begin finds or starts the server, and waits until it answers.
func (s *session) begin(o options, tmp string) error {
	if len(o.cmd) == 0 {
		if err := waitReady(nil, o.addr, 5*time.Second); err != nil {
			return fmt.Errorf("no server: %w", err)
		}
		s.addr = o.addr
		fmt.Fprintf(s.out, "# server: %s, already running\n", s.addr)
		return nil
	}
	s.launch = &launcher{argv: o.cmd, fixed: o.addr}
	if argsMention(o.cmd, "{root}") {
		root, err := makeRoot(tmp)
		if err != nil {
			return fmt.Errorf("filling {root}: %w", err)
		}
		s.root, s.launch.root = root, root.path
	}
	if len(o.cmd) > 2 && o.cmd[0] == "go" && o.cmd[1] == "run" {
		argv, err := buildGoRun(o.cmd, tmp, func(line string) { fmt.Fprintln(s.out, line) })
		if err != nil {
			return err
		}
		s.launch.argv = argv
	}
	srv, err := s.launch.start(0, s.host)
	if err != nil {
		return fmt.Errorf("no server: %w", err)
	}
	s.srv, s.addr = srv, srv.addr
	fmt.Fprintf(s.out, "# server: %s\n", strings.Join(srv.argv, " "))
	return nil
}

func (s *session) end() {
	if s.srv != nil {
		s.srv.stop()
	}
}

// runStages runs the checks of each stage asked for, in order, and stops
// after the first stage with a failure: each stage builds on the last.
func (s *session) runStages(ns []int) int {
	total := 0
	var names []string
	for _, st := range stages() {
		if !slices.Contains(ns, st.n) {
			continue
		}
		names = append(names, fmt.Sprintf("%d %s", st.n, st.name))
		failed := 0
		for _, c := range st.checks {
			if !s.runCheck(c).pass {
				failed++
			}
			total++
			if s.gone.Load() || s.srv != nil && s.srv.exited() {
				fmt.Fprintln(s.out, "# the server is gone: stopping here")
				return 1
			}
		}
		if failed > 0 {
			later := ""
			if st.n < ns[len(ns)-1] {
				later = "; the later stages were not run: each builds on this one"
			}
			fmt.Fprintf(s.out, "# stage %d: %d of %d checks failed%s\n", st.n, failed, len(st.checks), later)
			return 1
		}
	}
	fmt.Fprintf(s.out, "# all %d checks passed (stage %s)\n", total, strings.Join(names, ", "))
	return 0
}

func (s *session) runCheck(c check) result {
	r := &run{s: s, srv: s.srv, addr: s.addr}
	res := c.fn(r)
	if c.watch && s.srv != nil {
		s.srv.exitedWithin(300 * time.Millisecond) // a server that dies of it, dies now
	}
	if s.srv != nil && s.srv.exited() {
		if res.pass {
			res = failf("the server ended during this check (%s)", s.srv.status())
		} else {
			res.summary = fmt.Sprintf("the server ended (%s); %s", s.srv.status(), res.summary)
		}
		res = res.expectingIfEmpty("the server still running: nothing a client does may end it").more(s.srv)
	}
	for _, cl := range r.clients {
		cl.close()
	}
	s.report(c, res, r)
	return res
}

// report prints a check's line and, for a failure (or with -v), what went
// over the wire, what was expected, and where the notes teach it.
func (s *session) report(c check, res result, r *run) {
	word := "PASS"
	if !res.pass {
		word = "FAIL"
	}
	fmt.Fprintf(s.out, "%s %-*s %s\n", word, nameWidth(), c.id(), res.summary)
	if res.pass && !s.verbose {
		return
	}
	shown := res.show
	if shown == nil {
		shown = r.clients
		if len(shown) > 4 {
			shown = shown[:4]
		}
	}
	for _, cl := range shown {
		if cl != nil {
			printTranscript(s.out, cl)
		}
	}
	if res.pass {
		return
	}
	if res.expected != "" {
		fmt.Fprintf(s.out, "    expected: %s\n", res.expected)
	}
	for i, line := range res.extra {
		indent := "    "
		if i > 0 {
			indent = "      "
		}
		fmt.Fprintf(s.out, "%s%s\n", indent, line)
	}
	fmt.Fprintf(s.out, "    learn:    %s\n", c.learn)
}

func printTranscript(w io.Writer, c *client) {
	fmt.Fprintf(w, "    %s:\n", c.label)
	events := c.transcript()
	if len(events) == 0 {
		fmt.Fprintln(w, "      (connected; no bytes either way)")
		return
	}
	for _, e := range events {
		switch e.kind {
		case "sent", "got":
			for i, line := range visibleLines(e.data) {
				label := "      "
				if i == 0 {
					label = fmt.Sprintf("%-6s", e.kind)
				}
				fmt.Fprintf(w, "      %s%s\n", label, line)
			}
		default:
			fmt.Fprintf(w, "      %-6s%s\n", e.kind, e.text)
		}
	}
}
