package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// The tester reads responses with its own parser rather than net/http's,
// because it must judge them: it is strict where a server has no choice
// (CRLF line ends, one Content-Length, the length matching the body) and
// indifferent to what a server may choose (field order, reason phrases,
// Server and Date fields, extra fields).

const (
	maxResponseHead = 64 << 10 // a status line and fields longer than this are not a response
	maxResponseBody = 64 << 20 // no check asks for more than a few MiB
)

// response is one HTTP/1.1 response, as read off the wire.
type response struct {
	status  int
	fields  []field
	body    []byte
	framing string // "Content-Length", "chunked", "close" (read until the server closed), or "none"
	size    int    // bytes it took on the wire, head and body
}

type field struct{ name, value string }

// errIncomplete means the bytes so far are the start of a response.
var errIncomplete = errors.New("incomplete response")

// protocolError is a response that breaks the rules of RFC 9112; its text
// says which rule, for the failure report.
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return e.msg }

func malformed(format string, args ...any) error {
	return &protocolError{fmt.Sprintf(format, args...)}
}

// header returns the value of the named field, its values joined with ", "
// if it came several times (RFC 9110 §5.3), and how many times it came.
func (r *response) header(name string) (string, int) {
	var values []string
	for _, f := range r.fields {
		if strings.EqualFold(f.name, name) {
			values = append(values, f.value)
		}
	}
	return strings.Join(values, ", "), len(values)
}

// hasToken reports whether a list-valued field (Connection, Allow) holds
// token, compared without case (RFC 9110 §5.6.1).
func (r *response) hasToken(name, token string) bool {
	value, _ := r.header(name)
	for _, item := range strings.Split(value, ",") {
		if strings.EqualFold(strings.TrimSpace(item), token) {
			return true
		}
	}
	return false
}

// mediaType is the Content-Type without its parameters, in lower case:
// "text/plain; charset=utf-8" is "text/plain".
func (r *response) mediaType() string {
	value, _ := r.header("Content-Type")
	mt, _, _ := strings.Cut(value, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// closes reports whether the response says the connection ends after it.
func (r *response) closes() bool { return r.hasToken("Connection", "close") }

// parseResponse reads one response from the start of b. method is the
// request's (a response to HEAD has no body); atEOF says the server has
// closed, so a body that runs to the close is complete. It returns
// errIncomplete when b is only the start of a response.
func parseResponse(b []byte, method string, atEOF bool) (*response, error) {
	r := &response{}
	line, pos, err := nextLine(b, 0)
	if err != nil {
		return nil, err
	}
	if err := r.parseStatusLine(line); err != nil {
		return nil, err
	}
	for {
		line, pos, err = nextLine(b, pos)
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			break
		}
		if err := r.parseField(line); err != nil {
			return nil, err
		}
	}
	return r, r.readBody(b, pos, method, atEOF)
}

// nextLine returns the line that starts at pos, without its CRLF, and
// where the next one starts. RFC 9112 §2.2: a sender ends every line with
// CRLF; a recipient may accept a bare LF, but a tester must not, or a
// server that sends them would pass here and fail with a strict client.
func nextLine(b []byte, pos int) ([]byte, int, error) {
	i := bytes.IndexByte(b[pos:], '\n')
	if i < 0 {
		if len(b) > maxResponseHead {
			return nil, 0, malformed("no blank line in the first %d bytes: the head never ends", maxResponseHead)
		}
		return nil, 0, errIncomplete
	}
	line := b[pos : pos+i]
	if len(line) == 0 || line[len(line)-1] != '\r' {
		return nil, 0, malformed("a line of the head ends with a bare LF, at byte %d: lines end with CRLF (RFC 9112 §2.2)", pos+i)
	}
	line = line[:len(line)-1]
	if j := bytes.IndexByte(line, '\r'); j >= 0 {
		return nil, 0, malformed("a CR without LF inside a line of the head, at byte %d (RFC 9112 §2.2)", pos+j)
	}
	return line, pos + i + 1, nil
}

// parseStatusLine: HTTP-version SP 3DIGIT SP [reason-phrase] (RFC 9112 §4).
// The reason phrase is free text that clients ignore, so only its bytes are
// checked.
func (r *response) parseStatusLine(line []byte) error {
	version, rest, _ := bytes.Cut(line, []byte(" "))
	switch {
	case !bytes.HasPrefix(line, []byte("HTTP/")):
		return malformed("the first line is not a status line: %s", quoted(line, 60))
	case string(version) != "HTTP/1.1":
		return malformed("the status line says %s: answer an HTTP/1.1 request with HTTP/1.1 (RFC 9110 §2.5)", quoted(version, 20))
	}
	if len(rest) < 4 || rest[3] != ' ' {
		return malformed("the status line %s is not HTTP/1.1 SP 3DIGIT SP [reason] (RFC 9112 §4; the space after the code is required)", quoted(line, 60))
	}
	for _, c := range rest[:3] {
		if c < '0' || c > '9' {
			return malformed("the status code %q is not three digits (RFC 9112 §4)", rest[:3])
		}
	}
	r.status = int(rest[0]-'0')*100 + int(rest[1]-'0')*10 + int(rest[2]-'0')
	if r.status < 100 {
		return malformed("the status code %d is below 100 (RFC 9110 §15)", r.status)
	}
	for _, c := range rest[4:] {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return malformed("a control byte %q in the reason phrase (RFC 9112 §4)", c)
		}
	}
	return nil
}

// parseField: field-name ":" OWS field-value OWS (RFC 9112 §5).
func (r *response) parseField(line []byte) error {
	if line[0] == ' ' || line[0] == '\t' {
		return malformed("a field line begins with whitespace (obs-fold, RFC 9112 §5.2): %s", quoted(line, 60))
	}
	name, value, found := bytes.Cut(line, []byte(":"))
	if !found {
		return malformed("a field line without a colon: %s", quoted(line, 60))
	}
	if len(name) == 0 {
		return malformed("a field line with an empty name: %s", quoted(line, 60))
	}
	for _, c := range name {
		if !isTokenChar(c) {
			return malformed("the field name %s holds %q, which is not a token character (RFC 9110 §5.1)", quoted(name, 40), c)
		}
	}
	value = bytes.Trim(value, " \t")
	for _, c := range value {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return malformed("the value of %s holds the control byte %q (RFC 9110 §5.5)", name, c)
		}
	}
	r.fields = append(r.fields, field{string(name), string(value)})
	return nil
}

// isTokenChar: tchar of RFC 9110 §5.6.2.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// readBody finds the end of the body as RFC 9112 §6.3 says a client must,
// in order: no body after HEAD, 1xx, 204 and 304; Transfer-Encoding;
// Content-Length; otherwise the close.
func (r *response) readBody(b []byte, start int, method string, atEOF bool) error {
	te, teCount := r.header("Transfer-Encoding")
	cl, clCount := r.header("Content-Length")
	switch {
	case method == "HEAD" || r.status < 200 || r.status == 204 || r.status == 304:
		r.framing, r.size = "none", start
		return nil
	case teCount > 0 && clCount > 0:
		return malformed("both Transfer-Encoding and Content-Length: a sender must not send both (RFC 9112 §6.2)")
	case teCount > 0:
		if !strings.EqualFold(te, "chunked") {
			return malformed("Transfer-Encoding: %s, which the request did not ask for: only chunked is expected (RFC 9112 §6.1)", te)
		}
		body, n, err := decodeChunked(b[start:])
		if err != nil {
			return err
		}
		r.framing, r.body, r.size = "chunked", body, start+n
		return nil
	case clCount > 1:
		return malformed("%d Content-Length fields: send one (RFC 9110 §8.6)", clCount)
	case clCount == 1:
		n, ok := parseDecimal(cl)
		if !ok {
			return malformed("Content-Length: %q is not a number of bytes (RFC 9110 §8.6: digits only)", cl)
		}
		if n > maxResponseBody {
			return malformed("Content-Length: %d is more than any check expects", n)
		}
		if len(b)-start < n {
			if atEOF {
				return malformed("the connection closed after %d of the %d body bytes Content-Length promised", len(b)-start, n)
			}
			return errIncomplete
		}
		r.framing, r.body, r.size = "Content-Length", b[start:start+n], start+n
		return nil
	}
	if !atEOF {
		if len(b)-start > maxResponseBody {
			return malformed("a body without Content-Length longer than %d bytes", maxResponseBody)
		}
		return errIncomplete
	}
	r.framing, r.body, r.size = "close", b[start:], len(b)
	return nil
}

// parseDecimal reads 1 to 15 digits: enough for any body, and no overflow.
func parseDecimal(s string) (int, bool) {
	if len(s) == 0 || len(s) > 15 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// decodeChunked decodes a chunked body (RFC 9112 §7.1) from the start of
// b, and returns it and how many bytes of b it took, trailers included.
func decodeChunked(b []byte) ([]byte, int, error) {
	var body []byte
	pos := 0
	for {
		line, next, err := nextLine(b, pos)
		if err != nil {
			return nil, 0, err
		}
		sizeText, _, _ := bytes.Cut(line, []byte(";")) // chunk extensions are ignored (§7.1.1)
		size, ok := parseHex(bytes.TrimRight(sizeText, " \t"))
		if !ok {
			return nil, 0, malformed("the chunk size line %s is not hex digits (RFC 9112 §7.1)", quoted(line, 40))
		}
		pos = next
		if size == 0 {
			break
		}
		if len(body)+size > maxResponseBody {
			return nil, 0, malformed("a chunked body longer than %d bytes", maxResponseBody)
		}
		if len(b)-pos < size+2 {
			return nil, 0, errIncomplete
		}
		if b[pos+size] != '\r' || b[pos+size+1] != '\n' {
			return nil, 0, malformed("chunk data of %d bytes is not followed by CRLF (RFC 9112 §7.1)", size)
		}
		body = append(body, b[pos:pos+size]...)
		pos += size + 2
	}
	for { // the trailer section, up to its blank line (§7.1.2)
		line, next, err := nextLine(b, pos)
		if err != nil {
			return nil, 0, err
		}
		pos = next
		if len(line) == 0 {
			return body, pos, nil
		}
	}
}

func parseHex(s []byte) (int, bool) {
	if len(s) == 0 || len(s) > 15 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		switch {
		case '0' <= c && c <= '9':
			n = n<<4 | int(c-'0')
		case 'a' <= c && c <= 'f':
			n = n<<4 | int(c-'a'+10)
		case 'A' <= c && c <= 'F':
			n = n<<4 | int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}
