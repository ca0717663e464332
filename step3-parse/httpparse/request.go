package httpparse

// parseHead scans the request line and header fields (RFC 9112 §3 and §5).
// It picks up at p.pos, where the last call stopped, so a head that arrives
// one byte at a time is still scanned once, not once per arrival. Each state
// runs a tight loop over the bytes of its own class and hands over to the
// next state at the byte that ends it; the target and the field values,
// the long runs of a head, are tested eight bytes at a time (swar.go).
//
// The states come in the switch in the order a head goes through them, and
// a state that hands over to the next one in that order ends with
// fallthrough: the next state's code runs at once, without going round the
// loop and through the switch again. A whole head takes the loop once per
// field line (from StateFieldLF back to StateFieldStart), not once per
// state. A state reached that way may find no byte left (i == end), so each
// one that reads b[i] before any loop checks for that first.
//
// A change of state is a plain assignment to p.state, with no call to
// Trace: Parse scans through traceHead when Trace is set.
//
// No scan runs past the limit that applies where it stands (the request
// line's, then the whole head's): the first byte over a limit is where the
// head fails, whatever comes after it and however the bytes were cut.
func (p *Parser) parseHead(b []byte) (int, error) {
	if p.pos == 0 && p.state == StateStart {
		p.fields = p.fields[:0]
	}
	i := p.pos
	// end is as far as the scan may go: the end of the bytes received, or
	// the limit, if nearer. The limit changes only when the request line
	// begins and when it ends, so end is computed again only there.
	end := min(len(b), p.limit())
scan:
	for {
		if i >= end {
			if end < len(b) { // there is a byte at the limit: one too many
				return 0, p.overLimit()
			}
			break // everything received is scanned: wait for more
		}
		switch p.state {
		case StateStartLF:
			if b[i] != '\n' {
				return 0, p.fail(400, "CR without LF before the request line", i)
			}
			if p.emptyLines++; p.emptyLines > maxEmptyLines {
				return 0, p.fail(400, "too many empty lines before the request line", i)
			}
			p.state = StateStart
			i++

		case StateStart:
			if c := b[i]; !isTchar[c] {
				switch c {
				case '\n':
					if p.emptyLines++; p.emptyLines > maxEmptyLines {
						return 0, p.fail(400, "too many empty lines before the request line", i)
					}
					i++
					continue
				case '\r':
					p.state = StateStartLF
					i++
					continue
				}
				return 0, p.fail(400, "a request must begin with a method", i)
			}
			p.lineStart = i
			p.state = StateMethod
			end = min(len(b), p.limit())
			fallthrough

		case StateMethod:
			j := skipToken(b, i, end)
			if j-p.lineStart > maxMethodBytes {
				return 0, p.fail(501, "method longer than any this server implements", p.lineStart+maxMethodBytes)
			}
			if j == end {
				i = j
				continue
			}
			if b[j] != ' ' {
				return 0, p.fail(400, "the method must be a token followed by one space", j)
			}
			p.methodEnd, p.targetStart = j, j+1
			p.state = StateTarget
			i = j + 1
			fallthrough

		case StateTarget:
			j := i
			for end-j >= 8 { // eight bytes at a time, as for field values below
				if m := targetStops(word(b, j)); m != 0 {
					j += first(m)
					break
				}
				j += 8
			}
			for j < end && isTargetChar[b[j]] {
				j++
			}
			if j < end && b[j] == '%' {
				// pct-encoded = "%" HEXDIG HEXDIG (RFC 3986 §2.1). If the two
				// digits are not here yet, stop at the '%' and look again
				// next time (or fail, if they would be over the limit).
				if j+2 >= end {
					i = j
					if end < len(b) {
						return 0, p.overLimit()
					}
					break scan
				}
				if hexValue[b[j+1]] < 0 || hexValue[b[j+2]] < 0 {
					return 0, p.fail(400, "malformed percent-encoding in the request-target", j)
				}
				i = j + 3
				continue
			}
			if j == end {
				i = j
				continue
			}
			switch {
			case b[j] == ' ' && j == p.targetStart:
				return 0, p.fail(400, "one space, and only one, between method and target", j)
			case b[j] == '\r' || b[j] == '\n':
				return 0, p.fail(400, "the request line has no HTTP version", j)
			case b[j] != ' ':
				return 0, p.fail(400, "invalid byte in the request-target", j)
			}
			p.targetEnd, p.versionStart = j, j+1
			p.state = StateVersion
			i = j + 1
			fallthrough

		case StateVersion:
			j := i
			if i == p.versionStart && end-i > 8 && isHTTP1x(word(b, i)) {
				j += 8 // nearly every request: the version, compared in one go
			} else {
				for j < end && b[j] != '\r' && b[j] != '\n' && j-p.versionStart < len("HTTP/1.1") {
					j++
				}
				if j == end {
					i = j
					continue
				}
				if b[j] != '\r' && b[j] != '\n' {
					return 0, p.fail(400, "malformed HTTP version", p.versionStart)
				}
				if status, reason := checkVersion(b[p.versionStart:j]); status != 0 {
					return 0, p.fail(status, reason, p.versionStart)
				}
			}
			i = j + 1
			switch b[j] {
			case '\r':
			case '\n': // a bare LF ends the line (RFC 9112 §2.2 allows it)
				p.state = StateFieldStart
				end = min(len(b), p.limit())
				continue
			default: // after "HTTP/1.1" in one go: "HTTP/1.10", say
				return 0, p.fail(400, "malformed HTTP version", p.versionStart)
			}
			p.state = StateRequestLineLF
			fallthrough

		case StateRequestLineLF:
			if i == end {
				continue
			}
			if b[i] != '\n' {
				return 0, p.fail(400, "CR without LF at the end of the request line", i)
			}
			p.state = StateFieldStart
			end = min(len(b), p.limit())
			i++
			fallthrough

		case StateFieldStart:
			if i == end {
				continue
			}
			if c := b[i]; !isTchar[c] {
				switch c {
				case '\r':
					p.state = StateHeadLF
					i++
					continue
				case '\n':
					return p.headDone(b, i+1)
				case ' ', '\t':
					// obs-fold, or whitespace before the first field: RFC
					// 9112 §5.2 and §2.2 let a server reject either, and
					// folding is how a header hides from a parser that does
					// not unfold.
					return 0, p.fail(400, "a field line may not begin with whitespace (obs-fold)", i)
				}
				return 0, p.fail(400, "invalid byte at the start of a field line", i)
			}
			if len(p.fields) >= p.Limits.MaxHeaders {
				return 0, p.fail(431, "too many header fields", i)
			}
			p.fieldStart = i
			p.state = StateFieldName
			fallthrough

		case StateFieldName:
			// exercise 3.1 begin: a field name, up to its colon
			j := skipToken(b, i, end)
			if j == end {
				i = j
				continue
			}
			switch b[j] {
			case ':':
			case ' ', '\t':
				// RFC 9112 §5.1: MUST be rejected, because some parsers keep
				// the space in the name and others drop it.
				return 0, p.fail(400, "whitespace between a field name and its colon", j)
			case '\r', '\n':
				return 0, p.fail(400, "a field line without a colon", j)
			default:
				return 0, p.fail(400, "invalid byte in a field name", j)
			}
			p.nameEnd = j
			p.state = StateFieldValue
			i = j + 1
			fallthrough
			// exercise 3.1 end

		case StateFieldValue:
			// exercise 3.1 begin: a field value, up to the end of its line
			// Eight bytes at a time while eight are left (the loop is
			// written here, not in a function: a call would make this
			// function save and reload its variables around it), then the
			// last few, or the stop, with the table.
			j := i
			for end-j >= 8 {
				m := valueStops(word(b, j))
				if m == 0 {
					j += 8
					continue
				}
				if j += first(m); b[j] != '\t' {
					break
				}
				j++ // a tab is allowed: go on after it
			}
			for j < end && isValueChar[b[j]] {
				j++
			}
			if j == end {
				i = j
				continue
			}
			switch b[j] {
			case '\r':
				p.addField(b, j)
				p.state = StateFieldLF
			case '\n':
				p.addField(b, j)
				p.state = StateFieldStart
				i = j + 1
				continue
			default:
				return 0, p.fail(400, "invalid byte in a field value (NUL or control)", j)
			}
			i = j + 1
			fallthrough
			// exercise 3.1 end

		case StateFieldLF:
			if i == end {
				continue
			}
			if b[i] != '\n' {
				return 0, p.fail(400, "CR without LF in the header section", i)
			}
			p.state = StateFieldStart
			i++

		case StateHeadLF:
			if b[i] != '\n' {
				return 0, p.fail(400, "CR without LF at the end of the head", i)
			}
			return p.headDone(b, i+1)
		}
	}
	p.pos = i
	return 0, nil
}

// limit is the offset of the first byte the head may not reach from where
// the parser stands: the end of the request-line limit while on the request
// line (the smaller of the two limits), the end of the head limit after.
func (p *Parser) limit() int {
	if p.state.inRequestLine() {
		// The head's limit counts the empty lines before the request
		// line too, so the request line's own limit must never reach
		// past it: the limit may only grow when the request line ends,
		// or the scan would already be past the new one.
		return min(p.lineStart+p.Limits.MaxRequestLine, p.Limits.MaxHeaderBytes)
	}
	return p.Limits.MaxHeaderBytes
}

// overLimit fails the head at its limit with the status that limit has.
func (p *Parser) overLimit() error {
	at := p.limit()
	switch {
	case p.state == StateMethod:
		return p.fail(501, "method longer than any this server implements", at)
	case p.state.inRequestLine():
		return p.fail(414, "request line longer than the limit", at)
	}
	return p.fail(431, "request head larger than the limit", at)
}

// addField records a field line whose value ends at lineEnd, without the
// optional whitespace around the value (RFC 9110 §5.5). The value has been
// checked: it holds no control but HTAB, so a byte at or below SP is SP or
// HTAB, and one comparison finds both.
func (p *Parser) addField(b []byte, lineEnd int) {
	// exercise 3.1 begin: record a field, its value without the whitespace around it
	vs, ve := p.nameEnd+1, lineEnd
	for vs < ve && b[vs] <= ' ' {
		vs++
	}
	for ve > vs && b[ve-1] <= ' ' {
		ve--
	}
	p.fields = append(p.fields, field{int32(p.fieldStart), int32(p.nameEnd), int32(vs), int32(ve)})
	// exercise 3.1 end
}

// checkVersion checks "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3). HTTP-name is
// case-sensitive. A major version other than 1 gets 505; a minor version
// above 1 is read as 1.1 (RFC 9110 §2.5).
func checkVersion(v []byte) (int, string) {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' || !isDigit(v[5]) || !isDigit(v[7]) {
		return 400, "malformed HTTP version"
	}
	if v[5] != '1' {
		return 505, "only HTTP/1.0 and HTTP/1.1 are served"
	}
	return 0, ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isHTTP1x reports whether w, eight bytes loaded by word, is "HTTP/1.1" or
// "HTTP/1.0": what checkVersion accepts as it is, in two comparisons.
func isHTTP1x(w uint64) bool { return w == http11 || w == http10 }

// headDone builds the Request from the offsets gathered, checks what needs
// the whole head, and picks how the body will be read. end is the length of
// the head, final LF included.
func (p *Parser) headDone(b []byte, end int) (int, error) {
	if end > p.Limits.MaxHeaderBytes {
		return 0, p.fail(431, "request head larger than the limit", p.Limits.MaxHeaderBytes)
	}
	r := &p.req
	*r = Request{Headers: p.headers[:0], HeadLen: end}
	// Full slice expressions cap each slice at its own end, so nothing a
	// caller does with one can reach the bytes after it.
	r.Method = b[p.lineStart:p.methodEnd:p.methodEnd]
	r.Target = b[p.targetStart:p.targetEnd:p.targetEnd]
	r.Version = b[p.versionStart : p.versionStart+8 : p.versionStart+8]
	r.Minor = 1
	if r.Version[7] == '0' {
		r.Minor = 0
	}
	if cap(p.headers) < len(p.fields) { // the first request with this many fields
		p.headers = make([]Header, len(p.fields), 2*len(p.fields))
	}
	r.Headers = p.headers[:len(p.fields)]
	for k, f := range p.fields {
		h := &r.Headers[k]
		h.Name = b[f.nameStart:f.nameEnd:f.nameEnd]
		h.Value = b[f.valueStart:f.valueEnd:f.valueEnd]
	}
	// A path ("/...") and not CONNECT: nearly every request, and all there
	// is to check of its form; checkTarget looks at the others.
	if r.Target[0] != '/' || len(r.Method) == len("CONNECT") {
		if status, reason, at := checkTarget(r.Method, r.Target); status != 0 {
			return 0, p.fail(status, reason, p.targetStart+at)
		}
	}
	if status, reason, at := p.interpret(r); status != 0 {
		return 0, p.fail(status, reason, at)
	}
	p.offset = end
	switch {
	case r.Framing == FramingChunked:
		p.left, p.bodySeen, p.digits, p.trailer = 0, 0, 0, 0
		p.state = StateChunkSize
	case r.Framing == FramingLength && r.ContentLength > 0:
		p.left = r.ContentLength
		p.state = StateBodyLength
	default:
		p.state = StateComplete
	}
	return end, nil
}

// checkTarget checks the request-target against the four forms of RFC 9112
// §3.2, each allowed only where it belongs. It returns the offending offset
// within the target.
func checkTarget(method, target []byte) (int, string, int) {
	connect := string(method) == "CONNECT"
	switch {
	case connect:
		// authority-form: host:port, and nothing else (§3.2.3).
		if bad := badHostByte(target); bad >= 0 {
			return 400, "CONNECT needs host:port as its target", bad
		}
		// The port must be there: a last ':' after any ']' and digits after it.
		colon := bytesLastIndex(target, ':')
		if colon <= 0 || colon < bytesLastIndex(target, ']') || !isDigit(target[len(target)-1]) {
			return 400, "CONNECT needs host:port as its target", 0
		}
	case target[0] == '/':
		// origin-form: the usual case.
	case len(target) == 1 && target[0] == '*':
		if string(method) != "OPTIONS" {
			return 400, "the target * is only for OPTIONS", 0
		}
	default:
		// absolute-form: scheme ":" ... (§3.2.2); a server must accept it.
		if !isAlpha(target[0]) {
			return 400, "the target must be a path, an absolute URI, host:port for CONNECT or * for OPTIONS", 0
		}
		for i, c := range target {
			if c == ':' {
				return checkAuthority(target, i+1)
			}
			if !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
				return 400, "the target must be a path, an absolute URI, host:port for CONNECT or * for OPTIONS", i
			}
		}
		return 400, "the target must be a path, an absolute URI, host:port for CONNECT or * for OPTIONS", 0
	}
	return 0, "", 0
}

// checkAuthority checks the "//host:port" after an absolute URI's scheme
// (which ends before at) with the rules for Host. That refuses userinfo
// ("user@host"), which RFC 9110 §4.2.4 says to treat as an error. An http
// or https URI must have a host: one without ("http:x", "http:///x") is
// invalid, and RFC 9110 §4.2.1 says a recipient MUST reject it.
func checkAuthority(target []byte, at int) (int, string, int) {
	web := asciiEqualFold(target[:at-1], "http") || asciiEqualFold(target[:at-1], "https")
	if len(target) < at+2 || target[at] != '/' || target[at+1] != '/' {
		if web {
			return 400, "an http URI needs //host", at
		}
		return 0, "", 0 // no authority: an opaque URI, taken as it is
	}
	end := at + 2
	for end < len(target) && target[end] != '/' && target[end] != '?' {
		end++
	}
	authority := target[at+2 : end]
	if bad := badHostByte(authority); bad >= 0 {
		return 400, "invalid authority in an absolute URI", at + 2 + bad
	}
	if web && (len(authority) == 0 || authority[0] == ':') {
		return 400, "an http URI needs a host", at + 2
	}
	return 0, "", 0
}

// asciiEqualFold compares b with a lower-case ASCII word, ignoring case:
// URI schemes are case-insensitive (RFC 3986 §3.1), and so are field names
// (RFC 9110 §5.1). Setting bit 0x20 lowers a letter, and turns no byte
// of a scheme or of a token into a letter or a '-' that was not one (only
// CR, 0x0d, would become '-'), so one OR and one compare do per byte.
func asciiEqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// badHostByte checks uri-host [":" port] (RFC 9110 §4.2.3, §7.2) and
// returns the offset of the first byte that does not fit, or -1. An IPv6
// literal is bracketed ("[::1]") and holds only hex digits, ':' and '.';
// the port, after the host, is digits only.
func badHostByte(h []byte) int {
	i := 0
	if len(h) > 0 && h[0] == '[' {
		for i = 1; i < len(h) && h[i] != ']'; i++ {
			if hexValue[h[i]] < 0 && h[i] != ':' && h[i] != '.' {
				return i
			}
		}
		if i == len(h) {
			return 0 // no closing bracket
		}
		i++
	} else {
		for i < len(h) && isRegNameChar[h[i]] {
			i++
		}
	}
	if i == len(h) {
		return -1
	}
	if h[i] != ':' {
		return i
	}
	for i++; i < len(h); i++ {
		if !isDigit(h[i]) {
			return i
		}
	}
	return -1
}

func bytesLastIndex(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func isAlpha(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
