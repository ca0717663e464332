package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Stage 3, parse (notes/03-parse.md): bodies in both framings, through
// POST /echo, and the requests a strict parser refuses, each of them a way
// for two HTTP implementations to read the same bytes two ways.

func stage3Checks() []check {
	return []check{
		{stage: 3, name: "echo_length", fn: echoLength,
			asks:  "POST /echo, Content-Length: the body and its Content-Type back",
			learn: "notes/03-parse.md#framing-content-length-and-transfer-encoding"},
		{stage: 3, name: "echo_chunked", fn: echoChunked,
			asks:  "POST /echo chunked, extension and trailer, in two writes: body back",
			learn: "notes/03-parse.md#chunked-bodies"},
		{stage: 3, name: "length_and_chunked", fn: lengthAndChunked,
			asks:  "Content-Length and chunked, a GET hidden after: 400 and the close",
			learn: "notes/03-parse.md#the-classic-content-length-against-transfer-encoding"},
		{stage: 3, name: "two_lengths", fn: twoLengths,
			asks:  "two different Content-Length fields: 400 and the close",
			learn: "notes/03-parse.md#framing-content-length-and-transfer-encoding"},
		{stage: 3, name: "bad_length", fn: badLength,
			asks:  "Content-Length: +5: 400 and the close",
			learn: "notes/03-parse.md#framing-content-length-and-transfer-encoding"},
		{stage: 3, name: "bad_chunk_size", fn: badChunkSize,
			asks:  "a chunk size 5x: 400 and the close",
			learn: "notes/03-parse.md#chunked-bodies"},
		{stage: 3, name: "chunk_size_overflow", fn: chunkSizeOverflow,
			asks:  "a 17-digit chunk size, 5 once wrapped: 400 or 413, and the close",
			learn: "notes/03-parse.md#chunked-bodies"},
		{stage: 3, name: "space_before_colon", fn: spaceBeforeColon,
			asks:  "Transfer-Encoding : chunked (space before colon): 400, the close",
			learn: "notes/03-parse.md#hiding-transfer-encoding"},
		{stage: 3, name: "obs_fold", fn: obsFold,
			asks:  "a folded line hiding Transfer-Encoding: 400 (or the fold as spaces)",
			learn: "notes/03-parse.md#header-fields"},
		{stage: 3, name: "missing_host", fn: missingHost,
			asks:  "an HTTP/1.1 request without Host: 400",
			learn: "notes/03-parse.md#host"},
		{stage: 3, name: "long_request_line", fn: longRequestLine,
			asks:  "a 64 KiB request line: 414 (or 431 or 400) and the close",
			learn: "notes/03-parse.md#limits-and-why-each"},
	}
}

// echoed sends a POST /echo on c and checks that the body comes back.
func (r *run) echoed(c *client, req, want []byte, what string) (result, bool) {
	if err := c.send(req); err != nil {
		return failf("%s: %s", what, r.words(err)), false
	}
	resp, err := c.response("POST")
	if res, ok := r.expectStatus(resp, err, 200); !ok {
		res.summary = what + ": " + res.summary
		return res, false
	}
	if !bytes.Equal(resp.body, want) {
		return failf("%s: a %d-byte body came back, not the %d bytes sent", what, len(resp.body), len(want)).
			expecting("the body, decoded: %s", quoted(want, 60)), false
	}
	return result{}, true
}

func echoLength(r *run) result {
	c, err := r.dial("client")
	if err != nil {
		return failf("%s", r.words(err))
	}
	// A body that looks like the end of a head and a second request, with
	// a NUL and a byte above 0x7f: only Content-Length says where it ends.
	body := []byte("one\r\n\r\nGET / HTTP/1.1\r\n\x00\xff end")
	req := r.withBody("POST", "/echo", body, "Content-Type: application/x-stage-3")
	if err := c.send(req); err != nil {
		return failf("%s", r.words(err))
	}
	resp, err := c.response("POST")
	if res, ok := r.expectStatus(resp, err, 200); !ok {
		return res
	}
	if !bytes.Equal(resp.body, body) {
		return failf("a %d-byte body came back, not the %d bytes sent", len(resp.body), len(body)).
			expecting("the body as sent: Content-Length bytes after the blank line, whatever they look like")
	}
	if ct, _ := resp.header("Content-Type"); ct != "application/x-stage-3" {
		return failf("Content-Type: %q", ct).expecting("the request's Content-Type back: application/x-stage-3")
	}
	if resp.closes() {
		return passf("%d bytes echoed with their Content-Type (the server closed after)", len(body))
	}
	if res, ok := r.echoed(c, r.withBody("POST", "/echo", []byte("second"), "Content-Type: text/plain"), []byte("second"), "the next request on the connection"); !ok {
		return res.expecting("the next request read from where the body ended")
	}
	return passf("%d bytes echoed with their Content-Type; the next request too", len(body))
}

func echoChunked(r *run) result {
	c, err := r.dial("client (two writes, 200 ms apart)")
	if err != nil {
		return failf("%s", r.words(err))
	}
	chunked := "7\r\nchunked\r\n" + "1A;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\n" + "0\r\nX-Trailer: yes\r\n\r\n"
	want := []byte("chunkedabcdefghijklmnopqrstuvwxyz")
	req := append(r.request("POST", "/echo", "Content-Type: text/plain", "Transfer-Encoding: chunked"), chunked...)
	cut := bytes.Index(req, []byte("1A;")) + 1 // between the two digits of a size
	if sent, err := c.sendInPieces([][]byte{req[:cut], req[cut:]}, 200*time.Millisecond); err != nil {
		return r.answeredEarly(c, err, sent, len(req)).expecting("nothing before the last chunk and the trailer's blank line")
	}
	resp, err := c.response("POST")
	if res, ok := r.expectStatus(resp, err, 200); !ok {
		return res
	}
	if !bytes.Equal(resp.body, want) {
		return failf("the body came back as %s", quoted(resp.body, 60)).
			expecting("the chunks' data joined, without sizes, extension or trailer: %q", want)
	}
	if resp.closes() {
		return passf("3 chunks decoded to %d bytes (the server closed after)", len(want))
	}
	if res, ok := r.echoed(c, r.withBody("POST", "/echo", []byte("second"), "Content-Type: text/plain"), []byte("second"), "the next request on the connection"); !ok {
		return res.expecting("the next request read from where the chunked body ended")
	}
	return passf("3 chunks decoded to %d bytes; the next request too", len(want))
}

// refusal judges the answer to a request the server must refuse: one of
// the statuses, then the close when the framing is in doubt (RFC 9112
// §6.3: nothing after such a request on that connection can be trusted).
func (r *run) refusal(c *client, resp *response, err error, mustClose bool, want ...int) result {
	if res, ok := r.expectStatus(resp, err, want...); !ok {
		if err == nil && resp.status == 200 && len(resp.body) > 0 {
			res.summary += fmt.Sprintf(", echoing %s", quoted(resp.body, 40))
		}
		return res
	}
	if mustClose {
		if res, ok := r.closeAfter(c, "where this request ends is in doubt, so nothing after it on the connection can be trusted (RFC 9112 §6.3)"); !ok {
			return res
		}
		return passf("%d, then the close", resp.status)
	}
	return passf("%d", resp.status)
}

func lengthAndChunked(r *run) result {
	hidden := string(r.request("GET", "/smuggled"))
	body := "5\r\nhello\r\n0\r\n\r\n" + hidden
	req := append(r.request("POST", "/echo", "Content-Type: text/plain",
		"Content-Length: "+strconv.Itoa(len(body)), "Transfer-Encoding: chunked"), body...)
	c, resp, err := r.roundTrip("client", "POST", req)
	expect := "400 and the close (RFC 9112 §6.1 also lets a server frame by Transfer-Encoding alone, then close)"
	switch {
	case err == nil && resp.status == 200 && string(resp.body) == body:
		return failf("200, echoing all %d bytes: the body was framed by Content-Length, and the GET hidden in it was taken for body", len(body)).
			expecting("%s", expect)
	case err == nil && resp.status == 200 && string(resp.body) == "hello":
		// Transfer-Encoding won, as RFC 9112 §6.3 says it must if the
		// request is served; then the connection must close, before the
		// hidden GET is read as a request of its own.
		if res, ok := r.closeAfter(c, "a request with both framings may hide another (RFC 9112 §6.1)"); !ok {
			res.summary = "framed by Transfer-Encoding, then: " + res.summary
			return res.expecting("%s", expect)
		}
		return passf("framed by Transfer-Encoding alone, then the close; the hidden GET never answered")
	}
	return r.refusal(c, resp, err, true, 400).expectingIfEmpty(expect)
}

func twoLengths(r *run) result {
	req := append(r.request("POST", "/echo", "Content-Type: text/plain", "Content-Length: 5", "Content-Length: 12"), "hellohello!!"...)
	c, resp, err := r.roundTrip("client", "POST", req)
	return r.refusal(c, resp, err, true, 400).
		expectingIfEmpty("400 and the close: two different lengths leave the body's end unknown (RFC 9112 §6.3)")
}

func badLength(r *run) result {
	req := append(r.request("POST", "/echo", "Content-Type: text/plain", "Content-Length: +5"), "hello"...)
	c, resp, err := r.roundTrip("client", "POST", req)
	return r.refusal(c, resp, err, true, 400).
		expectingIfEmpty("400 and the close: Content-Length is digits only (RFC 9110 §8.6); a sign is an invalid length (RFC 9112 §6.3)")
}

func chunkedPOST(r *run, body string) []byte {
	return append(r.request("POST", "/echo", "Content-Type: text/plain", "Transfer-Encoding: chunked"), body...)
}

func badChunkSize(r *run) result {
	c, resp, err := r.roundTrip("client", "POST", chunkedPOST(r, "5x\r\nhello\r\n0\r\n\r\n"))
	return r.refusal(c, resp, err, true, 400).
		expectingIfEmpty("400 and the close: a chunk size is hex digits, then ; or CRLF (RFC 9112 §7.1)")
}

func chunkSizeOverflow(r *run) result {
	c, resp, err := r.roundTrip("client", "POST", chunkedPOST(r, "10000000000000005\r\nhello\r\n0\r\n\r\n"))
	return r.refusal(c, resp, err, true, 400, 413).
		expectingIfEmpty("400 (or 413) and the close: a size that does not fit in 64 bits must not wrap around to 5")
}

// spaceBeforeColon sends a chunked body whose only framing is the field
// with the space: a server that trims the space decodes it and echoes
// "hello", one that keeps it reads no body at all; both are wrong.
func spaceBeforeColon(r *run) result {
	req := append(r.request("POST", "/echo", "Content-Type: text/plain", "Transfer-Encoding : chunked"),
		"5\r\nhello\r\n0\r\n\r\n"...)
	c, resp, err := r.roundTrip("client", "POST", req)
	return r.refusal(c, resp, err, true, 400).
		expectingIfEmpty("400 and the close: RFC 9112 §5.1 says a server MUST reject whitespace between a field name and its colon")
}

func obsFold(r *run) result {
	body := "5\r\nhello\r\n0\r\n\r\n"
	req := append(r.request("POST", "/echo", "Content-Type: text/plain",
		"Content-Length: "+strconv.Itoa(len(body)), "X-Check: yes", " Transfer-Encoding: chunked"), body...)
	c, resp, err := r.roundTrip("client", "POST", req)
	expect := "400 and the close; RFC 9112 §5.2 also lets a server read the fold as spaces (then X-Check is one field and the body is Content-Length's)"
	if err == nil && resp.status == 200 && string(resp.body) == body {
		return passf("200: the fold read as spaces, the body framed by Content-Length")
	}
	if err == nil && resp.status == 200 && string(resp.body) == "hello" {
		return failf("200, echoing \"hello\": the folded line was taken for a Transfer-Encoding field of its own").expecting("%s", expect)
	}
	return r.refusal(c, resp, err, true, 400).expectingIfEmpty(expect)
}

func missingHost(r *run) result {
	c, resp, err := r.roundTrip("client", "GET", r.request("GET", "/", "-Host", "User-Agent: stage-tester"))
	return r.refusal(c, resp, err, false, 400).
		expectingIfEmpty("400: an HTTP/1.1 request must carry exactly one Host field (RFC 9112 §3.2)")
}

func longRequestLine(r *run) result {
	c, err := r.dial("client")
	if err != nil {
		return failf("%s", r.words(err))
	}
	req := r.request("GET", "/"+strings.Repeat("a", 64<<10))
	c.sendAsync(req)
	resp, err := c.response("GET")
	return r.refusal(c, resp, err, true, 414, 431, 400).
		expectingIfEmpty("414 URI Too Long (RFC 9112 §3), or 431 or 400, and the close: past its limit a server stops reading")
}
