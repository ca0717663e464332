//go:build linux

package server

import (
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"
)

// Logs are written off the loops. A write to a terminal or a pipe blocks
// when the reader is slow (a scrolling terminal, `| less` paused, a full
// pipe), and a loop that blocks serves no one. So each loop gathers lines
// in a batch and hands the batch, once per wakeup, to a goroutine that
// writes it; if that writer has fallen so far behind that its queue is
// full, the batch is dropped and counted (/stats: log_lines_dropped).
// Losing log lines under overload is the trade every fast server makes
// (nginx's buffered access_log, syslog over UDP); stalling is not.

// asyncWriter writes batches on its own goroutine.
type asyncWriter struct {
	w       io.Writer
	queue   chan []byte // batches to write
	spent   chan []byte // written batches, for reuse: no allocation per batch
	dropped atomic.Uint64
	done    chan struct{}
}

// queueDepth is how many batches may wait for a slow writer.
const queueDepth = 64

func newAsyncWriter(w io.Writer) *asyncWriter {
	if w == nil {
		return nil
	}
	a := &asyncWriter{w: w, queue: make(chan []byte, queueDepth), spent: make(chan []byte, queueDepth+1), done: make(chan struct{})}
	go a.run()
	return a
}

func (a *asyncWriter) run() {
	defer close(a.done)
	for b := range a.queue {
		a.w.Write(b) // an error here has nowhere better to go
		select {
		case a.spent <- b[:0]:
		default:
		}
	}
}

// buffer returns an empty batch to fill.
func (a *asyncWriter) buffer() []byte {
	select {
	case b := <-a.spent:
		return b
	default:
		return make([]byte, 0, 32<<10)
	}
}

// hand gives a batch of lines to the writer without waiting; it reports
// false, and counts the lines as dropped, when the queue is full.
func (a *asyncWriter) hand(b []byte, lines int) bool {
	select {
	case a.queue <- b:
		return true
	default:
		a.dropped.Add(uint64(lines))
		return false
	}
}

// close lets the writer finish what is queued, waiting at most a second:
// a writer stuck on a pipe nobody reads must not keep the process alive.
func (a *asyncWriter) close() {
	if a == nil {
		return
	}
	close(a.queue)
	select {
	case <-a.done:
	case <-time.After(time.Second):
	}
}

// printf writes one message, for errors (rare: no batching).
func (a *asyncWriter) printf(format string, args ...any) {
	if a == nil {
		return
	}
	b := fmt.Appendf(a.buffer(), format, args...)
	a.hand(b, 1)
}

// logWriters are the server's two writers, shared by the loops.
type logWriters struct {
	access, errors *asyncWriter
	closed         bool
}

func newLogWriters(access, errors io.Writer) logWriters {
	return logWriters{access: newAsyncWriter(access), errors: newAsyncWriter(errors)}
}

func (lw *logWriters) close() {
	if !lw.closed {
		lw.closed = true
		lw.access.close()
		lw.errors.close()
	}
}

// accessLog gathers one loop's lines in the Common Log Format.
type accessLog struct {
	out   *asyncWriter // nil: no log (-quiet)
	buf   []byte
	lines int
}

// maxLogTarget keeps one absurd target from making a huge log line.
const maxLogTarget = 256

func (a *accessLog) request(l *loop, c *conn, method, target, version []byte, status int, size int64) {
	if a.out == nil {
		return
	}
	if a.buf == nil {
		a.buf = a.out.buffer()
	}
	b := a.buf
	b = c.peer.Addr().AppendTo(b)
	b = append(b, " - - "...)
	b = append(b, l.clock.stamp...)
	b = append(b, " \""...)
	b = append(b, method...)
	b = append(b, ' ')
	if len(target) > maxLogTarget {
		target = target[:maxLogTarget]
	}
	b = appendQuoted(b, target) // the parser allowed only visible ASCII in it
	b = append(b, ' ')
	b = append(b, version...)
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, size, 10)
	b = append(b, '\n')
	a.buf = b
	a.lines++
	if len(a.buf) > 32<<10 {
		a.flush()
	}
}

// flush hands the batch over; the loop calls it once per wakeup.
func (a *accessLog) flush() {
	if a.out == nil || a.lines == 0 {
		return
	}
	if a.out.hand(a.buf, a.lines) {
		a.buf = nil
	} else {
		a.buf = a.buf[:0]
	}
	a.lines = 0
}

// appendQuoted appends a target to a quoted log field: a quote or a backslash in
// it is written as \x22 or \x5c, so a log parser cannot be made to end
// the field early (the Common Log Format has no escaping of its own).
func appendQuoted(b, target []byte) []byte {
	for _, c := range target {
		switch c {
		case '"':
			b = append(b, `\x22`...)
		case '\\':
			b = append(b, `\x5c`...)
		default:
			b = append(b, c)
		}
	}
	return b
}
