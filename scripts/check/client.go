package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// A client is one TCP connection a check makes, speaking raw bytes. It
// keeps a transcript of what went each way, in order, for the report.
// Every wait on it is bounded by a deadline.
type client struct {
	label   string
	conn    *net.TCPConn
	timeout time.Duration
	buf     []byte // received and not yet taken as a response
	scratch []byte // what one read(2) fills
	closed  bool   // the server closed its side (read returned EOF)

	mu     sync.Mutex // events: written by a sending goroutine and the reader
	events []event
}

// An event is one line of a transcript: bytes sent, bytes received, a
// pause, or how the connection ended.
type event struct {
	kind string // "sent", "got", "wait", "end"
	data []byte
	text string
}

// Wire outcomes a check turns into words.
var (
	errTimedOut = errors.New("timed out")
	errClosed   = errors.New("closed by the server")
	errReset    = errors.New("reset by the server")
)

func (c *client) record(kind string, data []byte, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.events); n > 0 && c.events[n-1].kind == kind && kind != "end" && kind != "wait" {
		c.events[n-1].data = append(c.events[n-1].data, data...)
		return
	}
	c.events = append(c.events, event{kind: kind, data: append([]byte(nil), data...), text: text})
}

func (c *client) transcript() []event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]event(nil), c.events...)
}

// send writes all of b, within the timeout.
func (c *client) send(b []byte) error {
	c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	n, err := c.conn.Write(b)
	c.record("sent", b[:n], "")
	if err != nil {
		return classify(err)
	}
	return nil
}

// sendAsync writes b from another goroutine and reports on the channel: a
// large request must be written while its answer is read, or a server that
// echoes it would wait for us to read and we for it to read.
func (c *client) sendAsync(b []byte) <-chan error {
	done := make(chan error, 1)
	go func() { done <- c.send(b) }()
	return done
}

// sendInPieces writes each piece, then waits pause before the next,
// watching the connection meanwhile: a server that answers or closes before
// the request is complete has taken part of a request for all of it. It
// returns how many bytes were sent when that happened.
func (c *client) sendInPieces(pieces [][]byte, pause time.Duration) (int, error) {
	sent := 0
	for i, piece := range pieces {
		if err := c.send(piece); err != nil {
			return sent, err
		}
		sent += len(piece)
		if i == len(pieces)-1 {
			break
		}
		if pause >= 100*time.Millisecond {
			c.record("wait", nil, pause.String())
		}
		if err := c.fill(time.Now().Add(pause)); !errors.Is(err, errTimedOut) {
			if err == nil {
				err = errAnsweredEarly
			}
			return sent, err
		}
	}
	return sent, nil
}

// errAnsweredEarly: bytes came back while the request was still being sent.
var errAnsweredEarly = errors.New("the server answered before the request was complete")

// fill reads what has arrived, waiting until deadline for something.
func (c *client) fill(deadline time.Time) error {
	if c.closed {
		return errClosed
	}
	c.conn.SetReadDeadline(deadline)
	if c.scratch == nil {
		c.scratch = make([]byte, 64<<10)
	}
	n, err := c.conn.Read(c.scratch)
	if n > 0 {
		c.buf = append(c.buf, c.scratch[:n]...)
		c.record("got", c.scratch[:n], "")
		return nil
	}
	err = classify(err)
	switch {
	case errors.Is(err, errClosed):
		c.closed = true
		c.record("end", nil, "closed by the server")
	case errors.Is(err, errReset):
		c.closed = true
		c.record("end", nil, "reset by the server (RST)")
	}
	return err
}

// classify turns a socket error into one of the outcomes a report names.
func classify(err error) error {
	var ne net.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF):
		return errClosed
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return errReset
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return errTimedOut
	}
	return err
}

// response reads the next response, skipping interim (1xx) ones, within
// the timeout. method is the request's: a response to HEAD has no body.
func (c *client) response(method string) (*response, error) {
	deadline := time.Now().Add(c.timeout)
	for {
		r, err := parseResponse(c.buf, method, c.closed)
		if err == nil {
			c.buf = c.buf[r.size:]
			if r.status < 200 {
				continue // 100 Continue and friends: the final answer follows
			}
			return r, nil
		}
		if !errors.Is(err, errIncomplete) {
			return nil, err
		}
		if c.closed {
			if len(c.buf) == 0 {
				return nil, errClosed
			}
			return nil, malformed("the connection closed in the middle of a response, after %d bytes of it", len(c.buf))
		}
		if err := c.fill(deadline); err != nil && !errors.Is(err, errClosed) {
			if errors.Is(err, errTimedOut) {
				c.record("end", nil, fmt.Sprintf("nothing more within %s", c.timeout))
				if len(c.buf) > 0 {
					return nil, malformed("the response stopped after %d bytes and nothing came for %s", len(c.buf), c.timeout)
				}
			}
			return nil, err
		}
	}
}

// waitClose waits, up to within, for the server to close the connection.
// Bytes that come instead are an error: nothing was asked for.
func (c *client) waitClose(within time.Duration) error {
	deadline := time.Now().Add(within)
	for !c.closed {
		if len(c.buf) > 0 {
			return &extraBytes{c.buf}
		}
		err := c.fill(deadline)
		if errors.Is(err, errTimedOut) {
			c.record("end", nil, fmt.Sprintf("still open after %s", within.Round(time.Millisecond)))
			return err
		}
		if err != nil && !errors.Is(err, errClosed) && !errors.Is(err, errReset) {
			return err
		}
	}
	if len(c.buf) > 0 {
		return &extraBytes{c.buf}
	}
	return nil
}

// extraBytes: the server sent bytes that answer nothing.
type extraBytes struct{ b []byte }

func (e *extraBytes) Error() string {
	return fmt.Sprintf("%d bytes after the response, answering nothing: %s", len(e.b), quoted(e.b, 40))
}

// quiet waits d and reports whether the server stayed silent and kept the
// connection open meanwhile.
func (c *client) quiet(d time.Duration) error {
	if len(c.buf) > 0 {
		return &extraBytes{c.buf}
	}
	err := c.fill(time.Now().Add(d))
	switch {
	case errors.Is(err, errTimedOut):
		return nil
	case err == nil:
		return &extraBytes{c.buf}
	}
	return err
}

func (c *client) close() { c.conn.Close() }
