//go:build linux

package server

import (
	"io"
	"strconv"
)

// accessLog gathers one line per request in the Common Log Format and
// writes them once per loop iteration, not once per request: one write(2)
// for a whole batch of pipelined requests.
type accessLog struct {
	w   io.Writer // nil: no log (-quiet)
	buf []byte
}

// maxLogTarget keeps one absurd target from making a huge log line.
const maxLogTarget = 256

func (a *accessLog) request(l *loop, c *conn, method, target, version []byte, status int, size int64) {
	if a.w == nil {
		return
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
	b = append(b, target...) // the parser allowed only visible ASCII in it
	b = append(b, ' ')
	b = append(b, version...)
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, size, 10)
	b = append(b, '\n')
	a.buf = b
	if len(a.buf) > 32<<10 {
		a.flush()
	}
}

func (a *accessLog) flush() {
	if a.w != nil && len(a.buf) > 0 {
		a.w.Write(a.buf)
		a.buf = a.buf[:0]
	}
}
