package httpparse

// parseBody reads the body the head announced. For Content-Length it hands
// the bytes on as they are. For chunked it runs the second state machine of
// this package (RFC 9112 §7.1):
//
//	chunked-body = *chunk last-chunk trailer-section CRLF
//	chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	last-chunk   = 1*"0" [ chunk-ext ] CRLF
//
// Framing bytes are consumed silently; data comes out as Body steps, each a
// slice of the input, so decoding copies nothing. Unlike the head, chunked
// framing takes no bare LF and no bare CR anywhere: a disagreement about
// line ends inside a body is exactly how a second request gets smuggled.
func (p *Parser) parseBody(b []byte) (Step, error) {
	switch p.state {
	case StateBodyLength:
		if len(b) == 0 {
			return Step{Kind: NeedMore}, nil
		}
		n := int(min(int64(len(b)), p.left))
		p.left -= int64(n)
		p.offset += n
		if p.left == 0 {
			p.to(StateComplete, p.offset)
		}
		return Step{Kind: Body, Consumed: n, Body: b[:n:n]}, nil
	}
	return p.parseChunked(b)
}

func (p *Parser) parseChunked(b []byte) (Step, error) {
	i := 0
	for i < len(b) {
		at := p.offset + i // offset from the start of the message, for errors and Trace
		c := b[i]
		switch p.state {
		case StateChunkSize:
			// exercise 3.3 begin: a chunk size in hex, then CR, or an extension
			if v := hexValue[c]; v >= 0 {
				// The size must fit in what the chunks before it left of
				// MaxBodyBytes. Checked digit by digit, before the digit is
				// added, so it cannot overflow: a sum such as
				// bodySeen+left > MaxBodyBytes would wrap for a limit near
				// math.MaxInt64 (see appendDigit).
				left, ok := appendDigit(p.left, 16, int64(v), p.Limits.MaxBodyBytes-p.bodySeen)
				if !ok {
					return Step{}, p.fail(413, "body larger than the limit", at)
				}
				// Leading zeros change nothing, so they are bounded apart:
				// 16 hex digits hold any int64.
				if p.digits++; p.digits > maxChunkSizeDigits {
					return Step{}, p.fail(400, "chunk size too long", at)
				}
				p.left = left
				i++
				continue
			}
			if p.digits == 0 {
				return Step{}, p.fail(400, "a chunk must begin with its size in hex", at)
			}
			switch c {
			case '\r':
				p.to(StateChunkSizeLF, at)
			case ';', ' ', '\t':
				p.extLen, p.extSemi = 0, c == ';'
				p.to(StateChunkExt, at)
			default:
				return Step{}, p.fail(400, "invalid byte after a chunk size", at)
			}
			i++
			// exercise 3.3 end

		case StateChunkExt:
			// chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ):
			// checked only as far as safety needs (it must begin with ';',
			// no controls, bounded length), then ignored.
			switch {
			case c == '\r':
				if !p.extSemi {
					return Step{}, p.fail(400, "a chunk extension must begin with ';'", at)
				}
				p.to(StateChunkSizeLF, at)
			case c == ';':
				p.extSemi = true
			case c == ' ' || c == '\t':
			case !p.extSemi || !isChunkExtChar[c]:
				return Step{}, p.fail(400, "invalid byte in a chunk extension", at)
			}
			if p.extLen++; p.extLen > p.Limits.MaxChunkExt {
				return Step{}, p.fail(400, "chunk extension too long", at)
			}
			i++

		case StateChunkSizeLF:
			if c != '\n' {
				return Step{}, p.fail(400, "CR without LF after a chunk size", at)
			}
			i++
			if p.left == 0 {
				p.to(StateTrailerStart, at)
				continue
			}
			p.bodySeen += p.left // within MaxBodyBytes: the size was checked digit by digit
			p.to(StateChunkData, at)

		case StateChunkData:
			n := int(min(int64(len(b)-i), p.left))
			p.left -= int64(n)
			if p.left == 0 {
				p.to(StateChunkDataCR, at+n)
			}
			p.offset += i + n
			return Step{Kind: Body, Consumed: i + n, Body: b[i : i+n : i+n]}, nil

		case StateChunkDataCR:
			if c != '\r' {
				return Step{}, p.fail(400, "chunk data longer than its size, or no CRLF after it", at)
			}
			p.to(StateChunkDataLF, at)
			i++

		case StateChunkDataLF:
			if c != '\n' {
				return Step{}, p.fail(400, "CR without LF after chunk data", at)
			}
			p.digits, p.left = 0, 0
			p.to(StateChunkSize, at)
			i++

		default: // the trailer section
			if p.trailer++; p.trailer > p.Limits.MaxTrailerBytes {
				return Step{}, p.fail(431, "trailer section larger than the limit", at)
			}
			end, status, reason := p.trailerByte(c, at)
			if status != 0 {
				return Step{}, p.fail(status, reason, at)
			}
			i++
			if end {
				p.to(StateComplete, at)
				p.finish(i)
				return Step{Kind: Done, Consumed: i}, nil
			}
		}
	}
	p.offset += i
	return Step{Kind: NeedMore, Consumed: i}, nil
}

// trailerByte moves through the trailer section (RFC 9112 §7.1.2), one byte
// at a time. Trailer fields are checked like header fields, then dropped:
// nothing in a trailer may change how the message was framed, so none of
// them is ever looked at. end is true at the LF that ends the message.
func (p *Parser) trailerByte(c byte, at int) (end bool, status int, reason string) {
	switch p.state {
	case StateTrailerStart:
		switch {
		case c == '\r':
			p.to(StateTrailerEndLF, at)
		case isTchar[c]:
			p.to(StateTrailerName, at)
		default:
			return false, 400, "invalid byte at the start of a trailer line"
		}
	case StateTrailerName:
		switch {
		case c == ':':
			p.to(StateTrailerValue, at)
		case !isTchar[c]:
			return false, 400, "invalid byte in a trailer field name"
		}
	case StateTrailerValue:
		switch {
		case c == '\r':
			p.to(StateTrailerLF, at)
		case !isValueChar[c]:
			return false, 400, "invalid byte in a trailer field value"
		}
	case StateTrailerLF:
		if c != '\n' {
			return false, 400, "CR without LF in the trailer section"
		}
		p.to(StateTrailerStart, at)
	case StateTrailerEndLF:
		if c != '\n' {
			return false, 400, "CR without LF at the end of the chunked body"
		}
		return true, 0, ""
	}
	return false, 0, ""
}
