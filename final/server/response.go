//go:build linux

package server

import (
	"errors"
	"strconv"
	"unsafe"

	"epollhttp/step3-parse/httpparse"

	"golang.org/x/sys/unix"
)

// unsafeString views b as a string without copying, for a check that
// keeps no reference to it.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// ResponseWriter collects one response: a status, header fields and a body
// (bytes, or a file to send with sendfile). Nothing is sent until the
// handler returns; then the server adds the fields it owns (Date, Server,
// Content-Length, Connection) and frames the message, so no handler can
// make a response whose end the client cannot find. The rules:
//
//   - SetHeader refuses a name that is not a token and a value with CR, LF,
//     NUL or another control character (RFC 9110 §5.1, §5.5): either would
//     let a value write fields, or a second response, of its own. It also
//     refuses the fields the server owns (ErrServerField): their values
//     follow from the body and the connection, which the server knows
//     better. To close the connection after the response, call Close.
//   - 204 and 304 carry no body (RFC 9110 §15.3.5, §15.4.5): whatever the
//     handler wrote, or a file it gave SendFile, is dropped (the file
//     closed). A status outside 200 to 599 becomes 500: 1xx are interim
//     responses, which the server alone sends (100 Continue).
//   - A HEAD request reaches the handler as GET; the server sends GET's
//     fields, Content-Length included, and no body (RFC 9110 §9.3.2, §8.6).
//   - A handler that panics gets its client a 500 and a closed connection;
//     the panic and its stack go to Config.ErrorLog, and a file given to
//     SendFile is closed.
//
// One ResponseWriter per loop is reused for every request.
type ResponseWriter struct {
	status  int
	headers []byte // "Name: value\r\n" lines, checked
	body    []byte
	file    fileSend // a body to send from a file instead of body, when hasFile
	hasFile bool
	closeIt bool // the handler asked to close the connection after this
}

// Errors SetHeader returns; the field is not added.
var (
	ErrFieldName   = errors.New("server: a field name must be a token (RFC 9110 §5.1)")
	ErrFieldValue  = errors.New("server: a field value must not hold CR, LF, NUL or other controls (RFC 9110 §5.5)")
	ErrServerField = errors.New("server: the server sets this field itself")
)

// reset readies the writer for the next request. A file a handler gave and
// the server did not take (a panic came first) is closed. Buffers are
// reused, unless one response made them large: those go back to the
// garbage collector, so one big /echo does not pin megabytes to the loop.
func (w *ResponseWriter) reset() {
	w.dropFile()
	if cap(w.body) > maxKeptScratch {
		w.body = nil
	}
	if cap(w.headers) > maxKeptScratch {
		w.headers = nil
	}
	w.status, w.headers, w.body, w.hasFile, w.closeIt = 200, w.headers[:0], w.body[:0], false, false
}

const maxKeptScratch = 64 << 10

// SetStatus sets the status code; 200 unless called.
func (w *ResponseWriter) SetStatus(code int) { w.status = code }

// SetHeader adds a header field, or returns why it cannot (see the rules
// above); a refused field is not sent.
func (w *ResponseWriter) SetHeader(name, value string) error {
	if err := checkField(name, value); err != nil {
		return err
	}
	w.headers = append(w.headers, name...)
	w.headers = append(w.headers, ": "...)
	w.headers = append(w.headers, value...)
	w.headers = append(w.headers, "\r\n"...)
	return nil
}

// SetHeaderBytes is SetHeader for a value that is already bytes.
func (w *ResponseWriter) SetHeaderBytes(name string, value []byte) error {
	return w.SetHeader(name, unsafeString(value))
}

// checkField applies SetHeader's rules.
func checkField(name, value string) error {
	if name == "" {
		return ErrFieldName
	}
	for i := 0; i < len(name); i++ {
		if !httpparse.IsTokenChar(name[i]) {
			return ErrFieldName
		}
	}
	if !httpparse.ValidFieldValue(value) { // the rule requests are parsed by
		return ErrFieldValue
	}
	if serverField(name) {
		return ErrServerField
	}
	return nil
}

// serverField reports whether the server owns a field: framing and the
// connection (Content-Length, Transfer-Encoding, Connection, and
// Keep-Alive, which only means something beside Connection) and the two it
// adds to every response (Date, Server).
func serverField(name string) bool {
	switch len(name) { // most names are ruled out by their length alone
	case 4:
		return equalFoldASCII(name, "Date")
	case 6:
		return equalFoldASCII(name, "Server")
	case 10:
		return equalFoldASCII(name, "Connection") || equalFoldASCII(name, "Keep-Alive")
	case 14:
		return equalFoldASCII(name, "Content-Length")
	case 17:
		return equalFoldASCII(name, "Transfer-Encoding")
	}
	return false
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}

// Write appends to the body. The last of Write and SendFile wins: a write
// after SendFile closes the file, so the body is only ever the one the
// Content-Length counts.
func (w *ResponseWriter) Write(p []byte) (int, error) {
	w.dropFile()
	w.body = append(w.body, p...)
	return len(p), nil
}

// WriteString appends to the body, as Write.
func (w *ResponseWriter) WriteString(s string) (int, error) {
	w.dropFile()
	w.body = append(w.body, s...)
	return len(s), nil
}

// dropFile closes the file a handler gave, if any (a negative fd, which
// badFile refuses, is nothing to close).
func (w *ResponseWriter) dropFile() {
	if w.hasFile && w.file.fd >= 0 {
		unix.Close(w.file.fd)
	}
	w.hasFile = false
}

// SendFile makes the body size bytes of an open file, from offset; the
// server sends them with sendfile(2) and closes fd when done (or when the
// connection ends first, or when the response may not carry a body). It
// replaces anything written to the body. Only one file per response: a
// second call closes the first file.
func (w *ResponseWriter) SendFile(fd int, offset, size int64) {
	w.dropFile()
	w.body = w.body[:0]
	w.file, w.hasFile = fileSend{fd: fd, offset: offset, remaining: size}, true
}

// badFile reports a file the server cannot frame: a negative descriptor,
// offset or size (RFC 9112 §6.3: the length must be what is sent).
func (w *ResponseWriter) badFile() bool {
	return w.hasFile && (w.file.fd < 0 || w.file.offset < 0 || w.file.remaining < 0)
}

// Close asks the server to close the connection after this response.
func (w *ResponseWriter) Close() { w.closeIt = true }

// Text is a shortcut: status, a text/plain body, done.
func (w *ResponseWriter) Text(status int, body string) {
	w.SetStatus(status)
	w.SetHeader("Content-Type", "text/plain; charset=utf-8")
	w.WriteString(body)
}

// serverLine is the same for every response, so it is a constant.
const serverLine = "Server: epollhttp\r\n"

// hasBody reports whether the status allows content (RFC 9110 §6.4.1).
func (w *ResponseWriter) hasBody() bool { return w.status != 204 && w.status != 304 }

// bodySize is the Content-Length: what GET would send.
func (w *ResponseWriter) bodySize() int64 {
	if w.hasFile {
		return w.file.remaining
	}
	return int64(len(w.body))
}

// sentBodySize is what will go on the wire after the head, for the log.
func (w *ResponseWriter) sentBodySize(headOnly bool) int64 {
	if headOnly || !w.hasBody() {
		return 0
	}
	return w.bodySize()
}

// appendResponse serializes the response onto out and returns the file to
// send after it, if any; a file that must not be sent (HEAD, 204, 304) is
// closed here. keepAliveFor10 says "Connection: keep-alive" to an HTTP/1.0
// client that asked for it, since 1.0 closes by default.
func (w *ResponseWriter) appendResponse(out []byte, date []byte, headOnly, closeAfter, keepAliveFor10 bool) ([]byte, fileSend, bool) {
	out = appendStatusLine(out, w.status)
	out = append(out, serverLine...)
	out = append(out, date...)
	out = append(out, w.headers...)
	if w.hasBody() {
		out = append(out, "Content-Length: "...)
		out = strconv.AppendInt(out, w.bodySize(), 10)
		out = append(out, "\r\n"...)
	}
	if closeAfter {
		out = append(out, "Connection: close\r\n"...)
	} else if keepAliveFor10 {
		out = append(out, "Connection: keep-alive\r\n"...)
	}
	out = append(out, "\r\n"...)
	send := !headOnly && w.hasBody()
	if send && !w.hasFile {
		out = append(out, w.body...)
	}
	file, hasFile := w.file, w.hasFile
	w.hasFile = false // the server has it now
	if hasFile && !send {
		unix.Close(file.fd)
		hasFile = false
	}
	return out, file, hasFile
}

// Status lines for the codes this server sends often, formatted once.
var statusLines = func() map[int]string {
	lines := map[int]string{}
	for _, code := range []int{100, 200, 204, 206, 301, 304, 400, 403, 404, 405, 408, 412, 413, 414, 416, 417, 431, 500, 501, 503, 505} {
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
	case 206:
		return "Partial Content"
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
	case 412:
		return "Precondition Failed"
	case 416:
		return "Range Not Satisfiable"
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
