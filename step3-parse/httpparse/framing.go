package httpparse

// interpret reads the fields that decide how the message is framed and what
// happens to the connection after it. It runs once per head, over the
// fields already split, and returns a status, a reason and an offset when
// the head must be refused.
//
// Framing is where request smuggling lives: when two servers on the path
// disagree about where a body ends, the bytes one takes for body the other
// takes for a second request. So every ambiguity is refused, not resolved
// (RFC 9112 §6.3 and §11.2).
func (p *Parser) interpret(r *Request) (int, string, int) {
	var (
		lengths      int  // Content-Length fields seen
		codings      int  // transfer codings seen, over all Transfer-Encoding fields
		chunkedSeen  bool // "chunked" seen; nothing may follow it
		otherCoding  bool // a coding other than chunked, which we cannot decode
		closeToken   bool
		keepAlive    bool
		upgradeToken bool
		hosts        int
		codingsAt    int // where the first Transfer-Encoding field begins
	)
	for i, kind := nextKnown(r.Headers, 0); i < len(r.Headers); i, kind = nextKnown(r.Headers, i+1) {
		value, at := r.Headers[i].Value, int(p.fields[i].valueStart)
		switch kind {
		case fieldHost:
			if hosts++; hosts > 1 {
				return 400, "more than one Host field", int(p.fields[i].nameStart)
			}
			if bad := badHostByte(value); bad >= 0 {
				return 400, "invalid byte in Host", at + bad
			}
			r.Host = value
			r.hasHost = true

		case fieldContentLength:
			if lengths++; lengths > 1 {
				// RFC 9110 §8.6 would allow identical repeats; any repeat is
				// refused here, because "5, 5" is a favourite disguise.
				return 400, "more than one Content-Length field", int(p.fields[i].nameStart)
			}
			n, status, reason := parseContentLength(value, p.Limits.MaxBodyBytes)
			if status != 0 {
				return status, reason, at
			}
			r.ContentLength = n

		case fieldTransferEncoding:
			if codings == 0 {
				codingsAt = int(p.fields[i].nameStart)
			}
			inField := 0
			status, reason, off := eachListElement(value, func(coding []byte, off int) (int, string, int) {
				codings++
				inField++
				if chunkedSeen {
					return 400, "chunked must be the last transfer coding", off
				}
				if equalFold(coding, "chunked") {
					chunkedSeen = true
					return 0, "", 0
				}
				for j, c := range coding {
					if !isTchar[c] {
						return 400, "invalid transfer coding", off + j
					}
				}
				otherCoding = true
				return 0, "", 0
			})
			if status != 0 {
				return status, reason, at + off
			}
			if inField == 0 {
				return 400, "empty Transfer-Encoding", at
			}

		case fieldConnection:
			eachListElement(value, func(token []byte, _ int) (int, string, int) {
				switch {
				case equalFold(token, "close"):
					closeToken = true
				case equalFold(token, "keep-alive"):
					keepAlive = true
				case equalFold(token, "upgrade"):
					upgradeToken = true
				}
				return 0, "", 0
			})
			r.connectionSeen = true

		case fieldExpect:
			// RFC 9110 §10.1.1: an HTTP/1.0 client cannot have meant it.
			if r.Minor == 0 {
				continue
			}
			if equalFold(value, "100-continue") && r.Expect != ExpectUnknown {
				r.Expect = ExpectContinue
			} else {
				r.Expect = ExpectUnknown
			}

		case fieldUpgrade:
			r.Upgrade = value
		}
	}

	if r.Minor == 1 && hosts == 0 {
		return 400, "an HTTP/1.1 request needs a Host field", r.HeadLen - 1
	}
	if !upgradeToken || r.Minor == 0 {
		// An Upgrade field means nothing unless Connection names it, and a
		// server must ignore it from HTTP/1.0 (RFC 9110 §7.8).
		r.Upgrade = nil
	}
	r.KeepAlive = !closeToken && (r.Minor == 1 || keepAlive)

	switch {
	case codings > 0 && r.Minor == 0:
		// RFC 9112 §6.1: an HTTP/1.0 peer did not send chunked on purpose.
		return 400, "Transfer-Encoding in an HTTP/1.0 request", codingsAt
	case codings > 0 && lengths > 0:
		// RFC 9112 §6.3 rule 3: Transfer-Encoding would win, but a server
		// that got both is looking at a smuggling attempt.
		return 400, "both Content-Length and Transfer-Encoding", codingsAt
	case codings > 0 && !chunkedSeen:
		// RFC 9112 §6.3 rule 4: the body has no knowable end.
		return 400, "the last transfer coding must be chunked", codingsAt
	case codings > 0 && otherCoding:
		// RFC 9112 §6.1: a coding we cannot decode.
		return 501, "transfer coding not implemented (only chunked is)", codingsAt
	case codings > 0:
		r.Framing = FramingChunked
	case lengths > 0:
		r.Framing = FramingLength
	}
	return 0, "", 0
}

// The fields interpret acts on. Every other field is passed on untouched.
type knownField uint8

const (
	fieldOther knownField = iota
	fieldHost
	fieldContentLength
	fieldTransferEncoding
	fieldConnection
	fieldExpect
	fieldUpgrade
)

// nextKnown returns the index of the first of headers, from i on, that is
// one of the known fields, and which one it is; len(headers) if none is.
// Most fields are none of them: one look-up by the length of the name
// passes each of those over. This loop is a function of its own because
// the loop in interpret makes calls: in Go a call may change every
// register, so a loop that makes one keeps its variables in memory, and
// this one, which makes none, keeps them in registers.
func nextKnown(headers []Header, i int) (int, knownField) {
	for ; i < len(headers); i++ {
		name := headers[i].Name
		known := knownFields[min(len(name), len(knownFields)-1)]
		if known.kind != fieldOther && asciiEqualFold(name, known.name) {
			return i, known.kind
		}
	}
	return i, fieldOther
}

// knownFields holds, at the index of each length, the known field name of
// that length (no two have the same), in lower case for asciiEqualFold.
// Any other length finds fieldOther.
var knownFields = func() (t [len("Transfer-Encoding") + 1]struct {
	name string
	kind knownField
}) {
	for kind, name := range map[knownField]string{
		fieldHost:             "host",
		fieldContentLength:    "content-length",
		fieldTransferEncoding: "transfer-encoding",
		fieldConnection:       "connection",
		fieldExpect:           "expect",
		fieldUpgrade:          "upgrade",
	} {
		t[len(name)].name, t[len(name)].kind = name, kind
	}
	return t
}()

// parseContentLength accepts 1*DIGIT and nothing else (RFC 9110 §8.6): no
// sign, no spaces inside, no commas, no hex. Each digit is checked against
// max before it is added, so no value can overflow, whatever max is.
func parseContentLength(v []byte, max int64) (int64, int, string) {
	// exercise 3.2 begin: digits only, and never past max
	if len(v) == 0 {
		return 0, 400, "empty Content-Length"
	}
	var n int64
	for _, c := range v {
		if !isDigit(c) {
			return 0, 400, "Content-Length must be digits only"
		}
		next, ok := appendDigit(n, 10, int64(c-'0'), max)
		if !ok {
			return 0, 413, "body larger than the limit"
		}
		n = next
	}
	return n, 0, ""
	// exercise 3.2 end
}

// appendDigit returns n*base + d, and false instead when that would pass
// max. It compares before it computes: n*base + d > max is tested as
// n > (max-d)/base, where nothing can overflow (n and d are not negative,
// and max-d is computed only when max >= d), so a max of
// math.MaxInt64 is as safe as a small one. Computing first and comparing
// after would let 9223372036854775808 wrap to a negative number that
// passes any limit.
func appendDigit(n, base, d, max int64) (int64, bool) {
	// exercise 3.2 begin: one more digit, compared with max before it is added
	if max < d || n > (max-d)/base {
		return n, false
	}
	return n*base + d, true
	// exercise 3.2 end
}

// eachListElement calls f for each element of a comma-separated list
// (RFC 9110 §5.6.1), with the optional whitespace around it removed and the
// offset of its first byte. Empty elements are skipped, as the RFC asks.
// Parameters after ';' stay part of the element, so "chunked;x=1" is not
// mistaken for chunked.
func eachListElement(v []byte, f func(elem []byte, off int) (int, string, int)) (int, string, int) {
	start := 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) && v[i] != ',' {
			continue
		}
		elem := v[start:i]
		lead := len(elem) - len(trimLeftOWS(elem))
		elem = trimOWS(elem)
		if len(elem) > 0 {
			if status, reason, off := f(elem, start+lead); status != 0 {
				return status, reason, off
			}
		}
		start = i + 1
	}
	return 0, "", 0
}

func trimLeftOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}
