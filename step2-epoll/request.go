//go:build linux

package main

import (
	"bytes"

	"epollhttp/step1-socket/minihttp"
)

// Step 2 is about the loop, not about HTTP, so it reads a request head with
// plain byte searches, just enough to find where one request ends and the
// next begins (keep-alive, pipelining). Step 3 replaces this with a real
// parser; do not copy it into anything that faces the internet.

const (
	maxHeadBytes = 8 << 10 // a longer head gets 431, as in step 1
	maxBodyBytes = 1 << 20 // a longer Content-Length gets 413
	replyBody    = "Hello from step 2!\n"
)

// requestInfo is what the loop needs to know about one request head.
type requestInfo struct {
	bodyLen    int64  // Content-Length; the body is read and skipped
	closeAfter bool   // HTTP/1.0, or "Connection: close": last response
	status     string // not "200 OK": answer this and close
}

// inspectHead looks at a complete head (request line and fields).
func inspectHead(head []byte) requestInfo {
	info := requestInfo{status: "200 OK"}
	lines := bytes.Split(bytes.TrimRight(head, "\r\n"), []byte("\n"))
	// HTTP/1.0 closes after each response unless asked otherwise (RFC 9112
	// §9.3); step 2 keeps it simple and always closes for 1.0.
	if bytes.HasSuffix(bytes.TrimRight(lines[0], "\r"), []byte(" HTTP/1.0")) {
		info.closeAfter = true
	}
	for _, line := range lines[1:] {
		name, value, found := bytes.Cut(bytes.TrimRight(line, "\r"), []byte(":"))
		if !found {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, ok := parseLength(value)
			if !ok {
				return requestInfo{status: "400 Bad Request", closeAfter: true}
			}
			if n > maxBodyBytes {
				return requestInfo{status: "413 Content Too Large", closeAfter: true}
			}
			info.bodyLen = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			// Chunked bodies need the decoder of step 3.
			return requestInfo{status: "501 Not Implemented", closeAfter: true}
		case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(value, []byte("close")):
			info.closeAfter = true
		}
	}
	return info
}

// parseLength accepts only digits (RFC 9110 §8.6), and at most 18 of them,
// so the value cannot overflow an int64.
func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// appendReply queues the response for one request.
func appendReply(out []byte, info requestInfo) []byte {
	body := replyBody
	if info.status != "200 OK" {
		body = info.status + "\n"
	}
	return minihttp.AppendResponse(out, info.status, body, info.closeAfter)
}
