package httpparse

// Limits bound what one request may make the server hold or do. Each has
// the status that answers a request over it.
type Limits struct {
	// MaxRequestLine bounds the request line: 414 URI Too Long when the
	// target is what overflows it, 501 Not Implemented when the method is
	// (RFC 9112 §3: no method we implement is that long).
	MaxRequestLine int
	// MaxHeaderBytes bounds the whole head, request line and empty lines
	// before it included: 431 Request Header Fields Too Large (RFC 6585 §5).
	MaxHeaderBytes int
	// MaxHeaders bounds the number of field lines: 431.
	MaxHeaders int
	// MaxBodyBytes bounds a body, by Content-Length or by the sum of chunk
	// sizes: 413 Content Too Large, sent before reading any of it when
	// Content-Length says so.
	MaxBodyBytes int64
	// MaxChunkExt bounds the extensions of one chunk-size line: 400. They
	// are ignored, so there is no reason to accept much of them.
	MaxChunkExt int
	// MaxTrailerBytes bounds the trailer section of a chunked body: 431.
	MaxTrailerBytes int
}

// DefaultLimits are what the course's servers use unless told otherwise:
// generous for any browser or API client, small enough that a thousand
// connections at the limit cost tens of megabytes, not gigabytes.
func DefaultLimits() Limits {
	return Limits{
		MaxRequestLine:  8 << 10,
		MaxHeaderBytes:  16 << 10,
		MaxHeaders:      100,
		MaxBodyBytes:    8 << 20,
		MaxChunkExt:     1 << 10,
		MaxTrailerBytes: 8 << 10,
	}
}

// maxEmptyLines bounds the empty lines skipped before a request line: RFC
// 9112 §2.2 asks a server to ignore at least one, and a few are common
// after a POST body from old clients; an endless stream is an attack.
const maxEmptyLines = 16

// maxChunkSizeDigits bounds the hex digits of a chunk size: 16 hold any
// int64, so more can only be leading zeros, which a client has no reason to
// send and which would let a chunk-size line go on forever.
const maxChunkSizeDigits = 16

// maxMethodBytes: the longest method we implement is 7 bytes (OPTIONS,
// CONNECT); a method longer than this is answered 501 without reading the
// rest of the line.
const maxMethodBytes = 32

// WithDefaults returns l with every field that is zero or negative replaced
// by DefaultLimits' value for it, one field at a time, so a caller can set
// only the limits it cares about: a Limits{MaxBodyBytes: 1 << 30} would
// otherwise allow no header field at all and answer every request 431.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	orDefault(&l.MaxRequestLine, d.MaxRequestLine)
	orDefault(&l.MaxHeaderBytes, d.MaxHeaderBytes)
	orDefault(&l.MaxHeaders, d.MaxHeaders)
	orDefault(&l.MaxBodyBytes, d.MaxBodyBytes)
	orDefault(&l.MaxChunkExt, d.MaxChunkExt)
	orDefault(&l.MaxTrailerBytes, d.MaxTrailerBytes)
	return l
}

func orDefault[T int | int64](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
