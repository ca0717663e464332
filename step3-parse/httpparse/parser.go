// Package httpparse is an incremental HTTP/1.1 request parser: a state
// machine over bytes that can be fed a request in pieces of any size, as
// they come off a socket, and that keeps no copy of what it reads.
//
// The caller owns the buffer. It passes Parse the bytes from the start of
// the current message that it still holds; Parse reports one Step at a time
// and how many bytes the caller may now drop:
//
//	for {
//		step, err := p.Parse(buf[start:end])
//		if err != nil { /* answer err.(*Error).Status, then close */ }
//		start += step.Consumed
//		switch step.Kind {
//		case httpparse.NeedMore: // read more bytes, then call again
//		case httpparse.Head:     // p.Request() is ready
//		case httpparse.Body:     // step.Body is a piece of the decoded body
//		case httpparse.Done:     // the request is complete
//		}
//	}
//
// Until the head is complete, Parse consumes nothing (Consumed is 0): the
// Request it will hand out is made of slices of those bytes, so the caller
// must keep them, unchanged and in order, until it is done with the request.
// It may move them (grow or compact its buffer); the parser remembers
// offsets, not pointers.
package httpparse

// Kind says what one call to Parse found.
type Kind uint8

const (
	NeedMore Kind = iota // nothing complete yet: call again with more bytes
	Head                 // the request line and header fields are complete
	Body                 // Step.Body holds the next piece of the body
	Done                 // the message is complete; the next one may follow
)

func (k Kind) String() string {
	return [...]string{"need-more", "head", "body", "done"}[k]
}

// Step is the result of one call to Parse.
type Step struct {
	Kind     Kind
	Consumed int    // bytes at the front of the input the caller may drop
	Body     []byte // for Body: decoded body bytes, a slice of the input
}

// Framing is how the end of the body is found (RFC 9112 §6.3).
type Framing uint8

const (
	FramingNone    Framing = iota // no body: the message ends with the head
	FramingLength                 // Content-Length bytes follow the head
	FramingChunked                // Transfer-Encoding: chunked
)

func (f Framing) String() string {
	return [...]string{"none", "length", "chunked"}[f]
}

// Expectation is what an Expect field asked for (RFC 9110 §10.1.1).
type Expectation uint8

const (
	ExpectNothing  Expectation = iota
	ExpectContinue             // "100-continue": send 100 Continue before reading the body
	ExpectUnknown              // anything else: answer 417 Expectation Failed
)

// Header is one field line, as sent: the name keeps its case, the value has
// its surrounding whitespace removed.
type Header struct {
	Name, Value []byte
}

// Request is a parsed request head. Every []byte is a slice of the caller's
// buffer: valid while the caller keeps those bytes, and only until the next
// request's head is parsed.
type Request struct {
	Method  []byte
	Target  []byte
	Version []byte // "HTTP/1.1" as sent
	Minor   int    // 0 for HTTP/1.0; 1 for 1.1 (and 1.2 to 1.9, read as 1.1)
	Headers []Header

	Framing        Framing
	ContentLength  int64 // for FramingLength
	KeepAlive      bool  // whether the connection may carry another request after this one
	Expect         Expectation
	Upgrade        []byte // the Upgrade field, when Connection lists "upgrade"; reported, never performed
	Host           []byte
	HeadLen        int // bytes from the start of the message (empty lines before it included) through the head
	hasHost        bool
	connectionSeen bool
}

// Header returns the value of the first field with this name (compared
// without regard to case) and whether there was one.
func (r *Request) Header(name string) ([]byte, bool) {
	for i := range r.Headers {
		if equalFold(r.Headers[i].Name, name) {
			return r.Headers[i].Value, true
		}
	}
	return nil, false
}

// field holds where one header field lies, as offsets from the start of the
// message: the buffer may move between calls, offsets stay true.
type field struct {
	nameStart, nameEnd, valueStart, valueEnd int32
}

// Parser reads one request after another from a byte stream. The zero value
// is not ready: use New. A Parser is not safe for use by several goroutines.
type Parser struct {
	Limits Limits
	// Trace, when set, is called at every change of state with the offset
	// (from the start of the message) of the byte that caused it. A head
	// is then scanned one byte more at a time (traceHead): slower, and
	// meant for learning and debugging.
	Trace func(from, to State, offset int)

	state  State
	failed bool
	err    Error

	// The head, while it is being scanned: offsets from the message start.
	pos          int // bytes of the head already scanned
	emptyLines   int
	lineStart    int // where the request line begins (after empty lines)
	methodEnd    int
	targetStart  int
	targetEnd    int
	versionStart int
	fieldStart   int // where the current field line begins
	nameEnd      int
	fields       []field

	// The body, once the head is done.
	offset   int   // bytes of the message consumed so far (for error offsets)
	left     int64 // bytes left in the body (length) or in the current chunk
	bodySeen int64 // decoded body bytes so far (chunked), for MaxBodyBytes
	digits   int   // hex digits of the current chunk size
	extLen   int   // bytes of the current chunk extension
	extSemi  bool  // the extension has begun with its ';'
	trailer  int   // bytes of the trailer section

	req     Request
	headers []Header // backing store for req.Headers, reused
}

// New returns a parser with the given limits.
func New(limits Limits) *Parser {
	return &Parser{Limits: limits}
}

// Reset makes the parser ready for a new stream, forgetting any error.
func (p *Parser) Reset() {
	limits, trace, fields, headers := p.Limits, p.Trace, p.fields[:0], p.headers[:0]
	*p = Parser{Limits: limits, Trace: trace, fields: fields, headers: headers}
}

// Request returns the head of the current request. It is valid from the
// Head step until the next request's head begins to be parsed.
func (p *Parser) Request() *Request { return &p.req }

// State is where the parser stands now.
func (p *Parser) State() State { return p.state }

// Parse reads as far as it can into in and reports what it found. See the
// package comment for how in must be passed. After an error, Parse keeps
// returning that error until Reset.
func (p *Parser) Parse(in []byte) (Step, error) {
	if p.failed {
		return Step{}, &p.err
	}
	if p.state.inHead() {
		// The scan of the head returns the length of the head once it is
		// whole, 0 before, and Step is made only here: a Step is five
		// words, which Go keeps in memory, not in registers, so each
		// function that passed one up would copy it once more.
		var n int
		var err error
		if p.Trace != nil {
			n, err = p.traceHead(in)
		} else {
			n, err = p.parseHead(in)
		}
		if n == 0 {
			return Step{Kind: NeedMore}, err
		}
		return Step{Kind: Head, Consumed: n}, nil
	}
	if p.state == StateComplete { // the last call ended the message
		p.finish(0)
		return Step{Kind: Done}, nil
	}
	return p.parseBody(in)
}

// traceHead scans the head as parseHead does, one byte more at a time,
// and tells Trace of every change of state. parseHead itself only sets
// p.state: a call to Trace in its loop, even one never made, cost a few
// per cent of a head (in Go a call may change every register, so a loop
// with a call in it keeps its variables in memory; notes/03-parse.md,
// "Beside fasthttp"). Given one more byte, a head changes state at most
// once, and that byte is what changed it; the scan picks up at p.pos each
// time, so it reads each byte about once (a '%' and the two hex digits
// after it are looked at again until all three have come).
func (p *Parser) traceHead(in []byte) (int, error) {
	for k := p.pos + 1; k <= len(in); k++ {
		from := p.state
		n, err := p.parseHead(in[:k])
		if p.state != from {
			p.Trace(from, p.state, k-1)
		}
		if n != 0 || err != nil {
			return n, err
		}
	}
	return 0, nil
}

// to moves to state s because of the byte at offset, and tells Trace. The
// states of the body use it; those of the head are set in place (see
// traceHead).
func (p *Parser) to(s State, offset int) {
	if p.Trace != nil {
		p.Trace(p.state, s, offset)
	}
	p.state = s
}

// finish ends the message and makes the parser ready for the next one.
// consumed counts the bytes of this call that ended it.
func (p *Parser) finish(consumed int) {
	p.to(StateStart, p.offset+consumed)
	p.pos, p.emptyLines, p.offset = 0, 0, 0
}
