package main

import "fmt"

// A check is one thing a stage asks of a server, tried over the network.
type check struct {
	stage int
	name  string // the part after "stageN."
	asks  string // one line for -list
	learn string // the note section that teaches it: notes/NN-x.md#anchor
	// watch: the check makes clients vanish mid-request; afterwards, give a
	// server that dies of it a moment to do so, so the death is blamed on
	// this check and not on the next.
	watch bool
	fn    func(*run) result
}

func (c check) id() string { return fmt.Sprintf("stage%d.%s", c.stage, c.name) }

type stage struct {
	n          int
	name, note string
	checks     []check
}

// stages is the course, in order: each stage builds on the one before.
func stages() []stage {
	return []stage{
		{1, "socket", "notes/01-socket.md", stage1Checks()},
		{2, "epoll", "notes/02-epoll.md", stage2Checks()},
		{3, "parse", "notes/03-parse.md", stage3Checks()},
		{4, "final", "notes/04-final.md", stage4Checks()},
		{5, "hardening", "notes/05-hardening.md", stage5Checks()},
	}
}

// nameWidth lines up the results in the report, two spaces at least
// after the longest name.
func nameWidth() int {
	w := 1
	for _, st := range stages() {
		for _, c := range st.checks {
			w = max(w, len(c.id())+1)
		}
	}
	return w
}

// result is what a check found.
type result struct {
	pass     bool
	summary  string
	expected string
	show     []*client // the connections worth showing; nil: all of them
	extra    []string  // further lines for the report
}

func passf(format string, args ...any) result {
	return result{pass: true, summary: fmt.Sprintf(format, args...)}
}

func failf(format string, args ...any) result {
	return result{summary: fmt.Sprintf(format, args...)}
}

func (r result) expecting(format string, args ...any) result {
	r.expected = fmt.Sprintf(format, args...)
	return r
}

// showing picks the connections the report shows; none at all is a choice
// too (two hundred transcripts help nobody).
func (r result) showing(clients ...*client) result {
	r.show = append([]*client{}, clients...)
	return r
}

// expectingIfEmpty fills in what was expected, if the judge did not.
func (r result) expectingIfEmpty(s string) result {
	if !r.pass && r.expected == "" {
		r.expected = s
	}
	return r
}

// more adds the last lines a server printed to a failure.
func (r result) more(srv *server) result {
	if lines := srv.out.lines(8); len(lines) > 0 {
		r.extra = append([]string{"server's last output (" + srv.status() + "):"}, lines...)
	}
	return r
}
