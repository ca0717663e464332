//go:build linux

// Package sock makes the socket system calls of a TCP server by hand
// (socket, setsockopt, bind, listen, getsockname, accept4, read, write,
// shutdown, close) and can narrate each one the way strace(1) prints it, so a
// learner can put the program's own account beside strace's.
package sock

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/sys/unix"
)

// Narrator prints one line per system call: its name, its arguments and what
// it returned. A nil Narrator, or one with a nil Out, stays silent, so the same
// code runs narrated in step 1 and quiet in later steps.
type Narrator struct {
	Out io.Writer
}

// On reports whether narration is switched on. Callers use it to skip
// formatting work that nobody would read.
func (n *Narrator) On() bool { return n != nil && n.Out != nil }

// Printf writes one free-form line, for notes between system calls.
func (n *Narrator) Printf(format string, args ...any) {
	if !n.On() {
		return
	}
	fmt.Fprintf(n.Out, format+"\n", args...)
}

// Call prints "name(args) = ret" for a call that succeeded, or
// "name(args) = -1 ENAME (Message)" for one that failed, as strace does.
func (n *Narrator) Call(call string, ret int, err error) {
	if !n.On() {
		return
	}
	if err != nil {
		fmt.Fprintf(n.Out, "%s = -1 %s\n", call, ErrnoText(err))
		return
	}
	fmt.Fprintf(n.Out, "%s = %d\n", call, ret)
}

// ErrnoText renders an error the way strace does: "EAGAIN (Resource
// temporarily unavailable)". Errors that are not an errno are printed as is.
func ErrnoText(err error) string {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	name := unix.ErrnoName(errno)
	if name == "" {
		name = fmt.Sprintf("errno %d", int(errno))
	}
	msg := errno.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return name + " (" + msg + ")"
}

// Quote renders the first bytes of a buffer as strace shows them: a Go-like
// quoted string, cut after max bytes with "..." to say there was more.
func Quote(b []byte, max int) string {
	more := ""
	if len(b) > max {
		b, more = b[:max], "..."
	}
	var s strings.Builder
	s.WriteByte('"')
	for _, c := range b {
		s.WriteString(escapeByte(c))
	}
	s.WriteByte('"')
	return s.String() + more
}

// escapeByte spells one byte the way C and strace would write it in a string.
func escapeByte(c byte) string {
	switch c {
	case '\r':
		return `\r`
	case '\n':
		return `\n`
	case '\t':
		return `\t`
	case '"':
		return `\"`
	case '\\':
		return `\\`
	}
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf(`\x%02x`, c)
	}
	return string(rune(c))
}
