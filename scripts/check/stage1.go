package main

import (
	"bytes"
	"errors"
	"fmt"
	"time"
)

// Stage 1, socket (notes/01-socket.md): one request, one response, one
// client at a time is fine. What matters is that a request is a byte
// stream: it may come in any number of pieces, or not at all.

func stage1Checks() []check {
	return []check{
		{stage: 1, name: "whole_request", fn: wholeRequest,
			asks:  "a request in one write: one HTTP/1.1 response, its length, the close",
			learn: "notes/01-socket.md#the-bytes-of-a-request"},
		{stage: 1, name: "split_request", fn: splitRequest,
			asks:  "a request in four writes 300 ms apart: answered once complete",
			learn: "notes/01-socket.md#tcp-is-a-byte-stream"},
		{stage: 1, name: "byte_at_a_time", fn: byteAtATime,
			asks:  "a request one byte per write: answered once complete",
			learn: "notes/01-socket.md#tcp-is-a-byte-stream"},
		{stage: 1, name: "empty_connection", fn: emptyConnection, watch: true,
			asks:  "a client connects and closes without a byte; the next is answered",
			learn: "notes/01-socket.md#the-system-calls-in-order"},
		{stage: 1, name: "closed_mid_request", fn: closedMidRequest, watch: true,
			asks:  "a client closes halfway through its request; the next is answered",
			learn: "notes/01-socket.md#signals-eintr-sa_restart-and-sigpipe"},
		{stage: 1, name: "oversized_head", fn: oversizedHead, watch: true,
			asks:  "a 64 KiB head that never ends: 431 or a close; the next is answered",
			learn: "notes/01-socket.md#the-8-kib-limit-and-431"},
	}
}

// closingGET is the request of stage 1: the simplest one, asking the
// server to close after its answer, which is what step 1 does anyway.
func (r *run) closingGET() []byte { return r.request("GET", "/", "Connection: close") }

// okThenClose judges the answer to closingGET: 200, HTTP/1.1, a body whose
// length the response states, and then the close.
func (r *run) okThenClose(c *client, resp *response, err error) result {
	if res, ok := r.expectStatus(resp, err, 200); !ok {
		return res
	}
	if resp.framing == "close" {
		return failf("200, but without Content-Length: the body ends only where the connection does").
			expecting("Content-Length (or chunked framing), so the client knows where the body ends (RFC 9112 §6.3)")
	}
	if res, ok := r.closeAfter(c, "the request said Connection: close (RFC 9112 §9.6)"); !ok {
		return res
	}
	return passf("200, %d-byte body (%s), then the close", len(resp.body), resp.framing)
}

func wholeRequest(r *run) result {
	c, resp, err := r.roundTrip("client", "GET", r.closingGET())
	return r.okThenClose(c, resp, err)
}

func splitRequest(r *run) result {
	req := r.closingGET()
	end := len(req) - 1 // the last LF goes alone: the blank line arrives split
	pieces := [][]byte{req[:8], req[8:18], req[18:end], req[end:]}
	return r.inPieces("client (four writes, 300 ms apart)", req, pieces, 300*time.Millisecond)
}

func byteAtATime(r *run) result {
	req := r.closingGET()
	pieces := make([][]byte, len(req))
	for i := range req {
		pieces[i] = req[i : i+1]
	}
	return r.inPieces("client (one byte per write, 10 ms apart)", req, pieces, 10*time.Millisecond)
}

func (r *run) inPieces(label string, req []byte, pieces [][]byte, gap time.Duration) result {
	c, err := r.dial(label)
	if err != nil {
		return failf("%s", r.words(err))
	}
	sent, err := c.sendInPieces(pieces, gap)
	if err != nil {
		if sent < len(req) {
			return r.answeredEarly(c, err, sent, len(req)).
				expecting("nothing until the blank line that ends the head has arrived: read until you have it, however many reads it takes")
		}
		return failf("%s", r.words(err))
	}
	resp, err := c.response("GET")
	return r.okThenClose(c, resp, err)
}

// answeredEarly says what the server did with a request it had only part of.
func (r *run) answeredEarly(c *client, err error, sent, total int) result {
	if errors.Is(err, errAnsweredEarly) {
		line, _, _ := bytes.Cut(c.buf, []byte("\r\n"))
		return failf("the server answered %s after %d of the request's %d bytes, before it was complete", quoted(line, 50), sent, total)
	}
	return failf("after %d of the request's %d bytes: %s", sent, total, r.words(err))
}

// nextIsAnswered is how stage 1 proves the server survived a client: the
// next client gets its answer.
func (r *run) nextIsAnswered(what string) result {
	c, resp, err := r.roundTrip("next client", "GET", r.closingGET())
	res := r.okThenClose(c, resp, err)
	if !res.pass {
		res.summary = "after " + what + ", the next client: " + res.summary
		if res.expected == "" {
			res.expected = "the next client answered as if nothing had happened"
		}
	}
	return res
}

func emptyConnection(r *run) result {
	c, err := r.dial("client that sends nothing")
	if err != nil {
		return failf("%s", r.words(err))
	}
	c.close()
	pause(200 * time.Millisecond) // the server sees the close before the next client
	res := r.nextIsAnswered("a client that closed without a byte")
	if res.pass {
		res.summary = "the next client: " + res.summary
	}
	return res
}

func closedMidRequest(r *run) result {
	c, err := r.dial("client that gives up")
	if err != nil {
		return failf("%s", r.words(err))
	}
	req := r.closingGET()
	if err := c.send(req[:20]); err != nil {
		return failf("%s", r.words(err))
	}
	pause(200 * time.Millisecond)
	c.close()
	pause(200 * time.Millisecond)
	res := r.nextIsAnswered("a client that closed in the middle of its request")
	if res.pass {
		res.summary = "the next client: " + res.summary
	}
	return res
}

// oversizedHead sends a head that never ends. 64 KiB is eight times step
// 1's limit and four times final's, and well under what a gentle close
// drains (step 1 reads up to 64 KiB more), so the answer is not lost to a
// reset.
func oversizedHead(r *run) result {
	c, err := r.dial("client with a huge head")
	if err != nil {
		return failf("%s", r.words(err))
	}
	head := r.request("GET", "/")
	head = head[:len(head)-2] // no blank line: the head goes on
	head = append(head, "X-Filler: "...)
	head = append(head, bytes.Repeat([]byte("a"), 64<<10)...)
	c.sendAsync(head)
	resp, err := c.response("GET")
	expect := "431 Request Header Fields Too Large (RFC 6585 §5) or a close, once the head passes the server's limit"
	switch {
	case errors.Is(err, errClosed), errors.Is(err, errReset):
		// A close is an answer too, if a terse one.
	case errors.Is(err, errTimedOut):
		return failf("neither an answer nor a close within %s of a 64 KiB head: the server is still waiting for the blank line", r.s.timeout).
			expecting("%s", expect)
	case err != nil:
		return failf("%s", r.words(err)).expecting("%s", expect)
	case resp.status == 408:
		return failf("408 Request Timeout: the server waited for the rest of a 64 KiB head, with no limit on its size").
			expecting("%s", expect)
	case resp.status < 400 || resp.status >= 500:
		return failf("status %d to a head that never ended", resp.status).expecting("%s", expect)
	default:
		if res, ok := r.closeAfter(c, "the rest of the head is still coming, so the connection cannot carry another request"); !ok {
			return res
		}
	}
	how := "closed without an answer"
	if resp != nil {
		how = fmt.Sprintf("%d and the close", resp.status)
	}
	res := r.nextIsAnswered("a 64 KiB head")
	if res.pass {
		res.summary = how + "; the next client: " + res.summary
	}
	return res
}
