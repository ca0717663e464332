package httpparse

// State is where the parser stands in the byte stream. Each state names the
// thing the next byte belongs to; the diagram in notes/03-parse.md is drawn
// from this list and from the transitions in request.go and chunked.go.
type State uint8

// The request head (RFC 9112 §2.1, §3, §5).
const (
	StateStart         State = iota // before the request line: empty lines are skipped (§2.2)
	StateStartLF                    // a CR before the request line: an LF must follow
	StateMethod                     // the method token
	StateTarget                     // the request-target, after one SP
	StateVersion                    // "HTTP/x.y", after one SP
	StateRequestLineLF              // a CR after the version: an LF must follow
	StateFieldStart                 // the start of a line in the header section
	StateFieldName                  // a field name token, up to ':'
	StateFieldValue                 // the field value, up to the end of the line
	StateFieldLF                    // a CR after a value: an LF must follow
	StateHeadLF                     // the CR of the empty line: an LF ends the head
)

// The message body (RFC 9112 §6, §7.1).
const (
	StateBodyLength   State = iota + StateHeadLF + 1 // Content-Length bytes to pass on
	StateChunkSize                                   // hex digits of a chunk size
	StateChunkExt                                    // a chunk extension: parsed, ignored
	StateChunkSizeLF                                 // the CR after the size line: an LF must follow
	StateChunkData                                   // chunk-size bytes of data
	StateChunkDataCR                                 // the CR after chunk data
	StateChunkDataLF                                 // the LF after chunk data
	StateTrailerStart                                // the start of a trailer line, or the final CRLF
	StateTrailerName                                 // a trailer field name
	StateTrailerValue                                // a trailer field value
	StateTrailerLF                                   // the CR after a trailer line: an LF must follow
	StateTrailerEndLF                                // the CR of the final empty line: an LF ends the message
	StateComplete                                    // the message is whole; the next Parse reports Done
)

var stateNames = [...]string{
	StateStart:         "start",
	StateStartLF:       "start-lf",
	StateMethod:        "method",
	StateTarget:        "target",
	StateVersion:       "version",
	StateRequestLineLF: "request-line-lf",
	StateFieldStart:    "field-start",
	StateFieldName:     "field-name",
	StateFieldValue:    "field-value",
	StateFieldLF:       "field-lf",
	StateHeadLF:        "head-lf",
	StateBodyLength:    "body-length",
	StateChunkSize:     "chunk-size",
	StateChunkExt:      "chunk-ext",
	StateChunkSizeLF:   "chunk-size-lf",
	StateChunkData:     "chunk-data",
	StateChunkDataCR:   "chunk-data-cr",
	StateChunkDataLF:   "chunk-data-lf",
	StateTrailerStart:  "trailer-start",
	StateTrailerName:   "trailer-name",
	StateTrailerValue:  "trailer-value",
	StateTrailerLF:     "trailer-lf",
	StateTrailerEndLF:  "trailer-end-lf",
	StateComplete:      "complete",
}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state?"
}

// inHead reports whether s is a state of the request head.
func (s State) inHead() bool { return s <= StateHeadLF }

// inRequestLine reports whether s is a state of the request line, where the
// request-line limit applies.
func (s State) inRequestLine() bool { return s >= StateMethod && s <= StateRequestLineLF }
