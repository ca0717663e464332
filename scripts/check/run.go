package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// run is one check's run: the connections it made, and where they go.
type run struct {
	s       *session
	srv     *server // the instance it talks to; nil with -addr alone
	addr    string
	mu      sync.Mutex // clients: some checks dial from many goroutines
	clients []*client
}

// dial connects a new client, within the timeout.
func (r *run) dial(label string) (*client, error) {
	conn, err := net.DialTimeout("tcp", r.addr, r.s.timeout)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) && r.srv == r.s.srv {
			r.s.gone.Store(true)
		}
		return nil, &dialError{r.addr, r.s.timeout, err}
	}
	c := &client{label: label, conn: conn.(*net.TCPConn), timeout: r.s.timeout}
	r.mu.Lock()
	r.clients = append(r.clients, c)
	r.mu.Unlock()
	return c, nil
}

type dialError struct {
	addr    string
	timeout time.Duration
	err     error
}

func (e *dialError) Error() string {
	var ne net.Error
	switch {
	case errors.Is(e.err, syscall.ECONNREFUSED):
		return "could not connect: connection refused (is the server still running?)"
	case errors.As(e.err, &ne) && ne.Timeout():
		// listen(2): when the accept queue is full, the kernel drops new
		// handshakes, and the client's SYN is retried for a while.
		return fmt.Sprintf("could not connect within %s: the server's accept queue (its listen backlog) was full, because it does not accept fast enough", e.timeout)
	}
	return fmt.Sprintf("could not connect to %s: %v", e.addr, e.err)
}

// request builds a request with a Host field naming the server, then the
// given fields, then the blank line. A field "-Host" leaves Host out.
func (r *run) request(method, target string, fields ...string) []byte {
	var b strings.Builder
	b.WriteString(method + " " + target + " HTTP/1.1\r\n")
	host := true
	for _, f := range fields {
		if f == "-Host" {
			host = false
		}
	}
	if host {
		b.WriteString("Host: " + r.addr + "\r\n")
	}
	for _, f := range fields {
		if f != "-Host" {
			b.WriteString(f + "\r\n")
		}
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// withBody builds a request with a Content-Length body.
func (r *run) withBody(method, target string, body []byte, fields ...string) []byte {
	fields = append(fields, "Content-Length: "+strconv.Itoa(len(body)))
	return append(r.request(method, target, fields...), body...)
}

// roundTrip sends a request on a new connection and reads one response.
func (r *run) roundTrip(label, method string, request []byte) (*client, *response, error) {
	c, err := r.dial(label)
	if err != nil {
		return nil, nil, err
	}
	if err := c.send(request); err != nil {
		return c, nil, err
	}
	resp, err := c.response(method)
	return c, resp, err
}

// words says what went wrong on the wire, for a result line.
func (r *run) words(err error) string {
	var pe *protocolError
	var eb *extraBytes
	var de *dialError
	switch {
	case errors.Is(err, errTimedOut):
		return fmt.Sprintf("no response within %s", r.s.timeout)
	case errors.Is(err, errClosed):
		return "the server closed the connection without a response"
	case errors.Is(err, errReset):
		return "the server reset the connection (RST) without a response"
	case errors.Is(err, errAnsweredEarly):
		return "the server answered before the request was complete"
	case errors.As(err, &pe):
		return "the response is malformed: " + pe.msg
	case errors.As(err, &eb):
		return eb.Error()
	case errors.As(err, &de):
		return de.Error()
	}
	return err.Error()
}

// expectStatus judges a response that should have one of the given
// statuses. It returns a failed result, or ok.
func (r *run) expectStatus(resp *response, err error, want ...int) (result, bool) {
	wanted := statusList(want)
	if err != nil {
		return failf("%s", r.words(err)).expecting("%s", wanted), false
	}
	for _, w := range want {
		if resp.status == w {
			return result{}, true
		}
	}
	return failf("status %d", resp.status).expecting("%s", wanted), false
}

func statusList(want []int) string {
	s := make([]string, len(want))
	for i, w := range want {
		s[i] = strconv.Itoa(w)
	}
	if len(s) == 1 {
		return "status " + s[0]
	}
	return "status " + strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// closeAfter checks that the server closes after its answer, as it must
// when the request said Connection: close or its framing is in doubt.
func (r *run) closeAfter(c *client, why string) (result, bool) {
	err := c.waitClose(r.s.timeout)
	switch {
	case err == nil:
		return result{}, true
	case errors.Is(err, errTimedOut):
		return failf("answered, then kept the connection open for %s", r.s.timeout).
			expecting("the connection closed after the response: %s", why), false
	}
	return failf("%s", r.words(err)).expecting("the connection closed after the response: %s", why), false
}

// pause is the tester's own client-side wait between two writes. It
// stands for a slow network or a slow person, not for a server event.
func pause(d time.Duration) { time.Sleep(d) }
