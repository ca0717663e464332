//go:build linux

package server

import (
	"strconv"

	"epollhttp/step3-parse/httpparse"
)

// ResponseWriter collects one response: a status, header fields and a body
// (bytes, or a file to send with sendfile). The server adds the fields it
// owns (Date, Server, Content-Length, Connection) when the handler returns,
// so every response carries a Content-Length and the client always knows
// where it ends. One ResponseWriter per loop is reused for every request.
type ResponseWriter struct {
	status  int
	headers []byte // "Name: value\r\n" lines, as given
	body    []byte
	file    *fileSend // a body to send from a file instead of body
	closeIt bool      // the handler asked to close the connection after this
}

// reset readies the writer for the next request. Its buffers are reused,
// unless one response made them large: then they go back to the garbage
// collector, so one big /echo does not pin megabytes to the loop for ever.
func (w *ResponseWriter) reset() {
	if cap(w.body) > maxKeptScratch {
		w.body = nil
	}
	if cap(w.headers) > maxKeptScratch {
		w.headers = nil
	}
	w.status, w.headers, w.body, w.file, w.closeIt = 200, w.headers[:0], w.body[:0], nil, false
}

const maxKeptScratch = 64 << 10

// SetStatus sets the status code; 200 unless called.
func (w *ResponseWriter) SetStatus(code int) { w.status = code }

// SetHeader adds a header field. Name and value are sent as given: they
// must not contain CR or LF (that would let a value inject fields).
func (w *ResponseWriter) SetHeader(name, value string) {
	w.headers = append(w.headers, name...)
	w.headers = append(w.headers, ": "...)
	w.headers = append(w.headers, value...)
	w.headers = append(w.headers, "\r\n"...)
}

// SetHeaderBytes is SetHeader for a value that is already bytes.
func (w *ResponseWriter) SetHeaderBytes(name string, value []byte) {
	w.headers = append(w.headers, name...)
	w.headers = append(w.headers, ": "...)
	w.headers = append(w.headers, value...)
	w.headers = append(w.headers, "\r\n"...)
}

// Write appends to the body.
func (w *ResponseWriter) Write(p []byte) (int, error) {
	w.body = append(w.body, p...)
	return len(p), nil
}

// WriteString appends to the body.
func (w *ResponseWriter) WriteString(s string) (int, error) {
	w.body = append(w.body, s...)
	return len(s), nil
}

// SendFile makes the body the first size bytes of an open file; the server
// sends it with sendfile(2) and closes fd when done (or when the connection
// ends first). It replaces anything written to the body.
func (w *ResponseWriter) SendFile(fd int, size int64) {
	w.body = w.body[:0]
	w.file = &fileSend{fd: fd, remaining: size}
}

// Close asks the server to close the connection after this response.
func (w *ResponseWriter) Close() { w.closeIt = true }

// Text is a shortcut: status, a text/plain body, done.
func (w *ResponseWriter) Text(status int, body string) {
	w.SetStatus(status)
	w.SetHeader("Content-Type", "text/plain; charset=utf-8")
	w.WriteString(body)
}

// serverField is the same for every response, so it is a constant.
const serverField = "Server: epollhttp\r\n"

// appendResponse serializes the response onto out. headOnly drops the body
// but keeps its Content-Length (HEAD, RFC 9110 §9.3.2); 1xx, 204 and 304
// never have a body or a Content-Length (RFC 9110 §8.6). keepAliveFor10
// says "Connection: keep-alive" to an HTTP/1.0 client that asked for it,
// since 1.0 closes by default.
func (w *ResponseWriter) appendResponse(out []byte, date []byte, headOnly, closeAfter, keepAliveFor10 bool) []byte {
	out = appendStatusLine(out, w.status)
	out = append(out, serverField...)
	out = append(out, date...)
	out = append(out, w.headers...)
	bodyLen := int64(len(w.body))
	if w.file != nil {
		bodyLen = w.file.remaining
	}
	noBody := w.status < 200 || w.status == 204 || w.status == 304
	if !noBody {
		out = append(out, "Content-Length: "...)
		out = strconv.AppendInt(out, bodyLen, 10)
		out = append(out, "\r\n"...)
	}
	if closeAfter {
		out = append(out, "Connection: close\r\n"...)
	} else if keepAliveFor10 {
		out = append(out, "Connection: keep-alive\r\n"...)
	}
	out = append(out, "\r\n"...)
	if !headOnly && !noBody {
		out = append(out, w.body...)
	}
	return out
}

// Status lines for the codes this server sends often, formatted once.
var statusLines = func() map[int]string {
	lines := map[int]string{}
	for _, code := range []int{100, 200, 204, 301, 304, 400, 403, 404, 405, 408, 413, 414, 417, 431, 500, 501, 503, 505} {
		lines[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + statusText(code) + "\r\n"
	}
	return lines
}()

func appendStatusLine(out []byte, code int) []byte {
	if code == 200 { // the common case, without a map lookup
		return append(out, "HTTP/1.1 200 OK\r\n"...)
	}
	if line, ok := statusLines[code]; ok {
		return append(out, line...)
	}
	out = append(out, "HTTP/1.1 "...)
	out = strconv.AppendInt(out, int64(code), 10)
	out = append(out, ' ')
	out = append(out, statusText(code)...)
	return append(out, "\r\n"...)
}

// statusText is the reason phrase (RFC 9110 §15).
func statusText(code int) string {
	switch code {
	case 100:
		return "Continue"
	case 200:
		return "OK"
	case 201:
		return "Created"
	case 204:
		return "No Content"
	case 301:
		return "Moved Permanently"
	case 304:
		return "Not Modified"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 408:
		return "Request Timeout"
	case 417:
		return "Expectation Failed"
	case 500:
		return "Internal Server Error"
	case 503:
		return "Service Unavailable"
	}
	if text := httpparse.StatusText(code); text != "Error" {
		return text
	}
	return "Status"
}
