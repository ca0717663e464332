package httpparse

import "strconv"

// Error is a request the parser refuses. It carries the status to answer
// with; after any Error the framing of the stream is lost, so the server
// must close the connection after the answer (RFC 9112 §9.6 leaves no
// other safe choice).
type Error struct {
	Status int    // 400, 413, 414, 431, 501 or 505
	Reason string // a short explanation, safe to send to the client
	Offset int    // bytes from the start of the request to the offending byte
}

func (e *Error) Error() string {
	return strconv.Itoa(e.Status) + " " + StatusText(e.Status) + ": " + e.Reason + " (at byte " + strconv.Itoa(e.Offset) + ")"
}

// StatusText is the reason phrase for the statuses the parser produces.
func StatusText(status int) string {
	switch status {
	case 400:
		return "Bad Request"
	case 413:
		return "Content Too Large" // RFC 9110 §15.5.14, once "Payload Too Large"
	case 414:
		return "URI Too Long"
	case 431:
		return "Request Header Fields Too Large" // RFC 6585 §5
	case 501:
		return "Not Implemented"
	case 505:
		return "HTTP Version Not Supported"
	}
	return "Error"
}

// fail records an error in the parser itself, so that reporting one does not
// allocate; the parser stays failed until Reset.
func (p *Parser) fail(status int, reason string, offset int) error {
	p.err = Error{Status: status, Reason: reason, Offset: offset}
	p.failed = true
	return &p.err
}
