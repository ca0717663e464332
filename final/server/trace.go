//go:build linux

package server

import (
	"fmt"
	"io"
	"sync"

	"epollhttp/step1-socket/sock"
)

// With -trace every syscall of every loop is printed as strace would print
// it (step 2's narration), each line tagged with its loop.

// loopWriter prefixes each line with "loop N: " and writes it whole, so the
// lines of several loops do not mix.
type loopWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
}

func (lw loopWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	_, err := lw.w.Write(append([]byte(lw.prefix), p...))
	return len(p), err
}

func newTrace(w io.Writer, mu *sync.Mutex, id int) *sock.Narrator {
	if w == nil {
		return &sock.Narrator{}
	}
	return &sock.Narrator{Out: loopWriter{mu: mu, w: w, prefix: fmt.Sprintf("loop %d: ", id)}}
}

func traceIO(name string, fd int, b []byte, n int) string {
	shown := b
	if name == "read" {
		shown = b[:max(n, 0)]
	}
	return fmt.Sprintf("%s(%d, %s, %d)", name, fd, sock.Quote(shown, 32), len(b))
}

func traceWrite(fd int, b []byte, n int, more bool) string {
	if more {
		return fmt.Sprintf("sendto(%d, %s, %d, MSG_MORE, NULL, 0)", fd, sock.Quote(b, 32), len(b))
	}
	return traceIO("write", fd, b, n)
}

func traceSendfile(fd, fileFD, n int) string {
	return fmt.Sprintf("sendfile(%d, %d, ...)", fd, fileFD)
}
