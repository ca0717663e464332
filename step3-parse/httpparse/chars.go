package httpparse

// Byte classes, as lookup tables: one array index per byte is the cheapest
// test there is, and the tables read like the grammar they come from.

// isTchar: the characters of a token (RFC 9110 §5.6.2), used for methods and
// field names: letters, digits and !#$%&'*+-.^_`|~.
var isTchar = classOf("!#$%&'*+-.^_`|~", true)

// isTargetChar: what a request-target may contain. RFC 3986 allows fewer,
// but browsers send some of the rest ({, }, |, ^) unescaped, so any visible
// ASCII is taken here and the router decides what a path means. Controls,
// space, DEL and bytes over 0x7F are refused, and so is '#': a fragment
// never leaves the client (RFC 9112 §3.2). '%' is left out of the table
// because it must be followed by two hex digits, checked on its own.
var isTargetChar = func() [256]bool {
	t := rangeOf(0x21, 0x7e)
	t['%'], t['#'] = false, false
	return t
}()

// isValueChar: field-vchar, SP and HTAB (RFC 9110 §5.5), obs-text included.
// Not NUL, not CR or LF (the line end is found separately), no other
// control and not DEL.
var isValueChar = func() [256]bool {
	t := rangeOf(0x21, 0x7e)
	t[' '], t['\t'] = true, true
	for c := 0x80; c <= 0xff; c++ {
		t[c] = true
	}
	return t
}()

// isChunkExtChar: what a chunk extension may contain (tokens, '=', quoted
// strings, separators): visible ASCII, SP, HTAB and obs-text; never a
// control, so never a bare LF.
var isChunkExtChar = isValueChar

// isRegNameChar: what a host name may contain (RFC 9110 §7.2, uri-host;
// RFC 3986 §3.2.2, reg-name): unreserved and sub-delims characters. Not
// ':' (the port follows it), not the brackets of an IPv6 literal (checked
// apart), not '@', '/', '?', '#' or space. RFC 3986 also allows
// percent-escapes in a host name; no real client sends them, and refusing
// them closes one more way to hide a byte (%00) from a check.
var isRegNameChar = classOf("-._~!$&'()*+,;=", true)

// hexValue maps a hex digit to its value, and anything else to -1.
var hexValue = func() [256]int8 {
	var t [256]int8
	for i := range t {
		t[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = int8(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = int8(c - 'a' + 10)
		t[c-'a'+'A'] = int8(c - 'a' + 10)
	}
	return t
}()

func classOf(extra string, alnum bool) [256]bool {
	var t [256]bool
	if alnum {
		for c := '0'; c <= '9'; c++ {
			t[c] = true
		}
		for c := 'a'; c <= 'z'; c++ {
			t[c], t[c-'a'+'A'] = true, true
		}
	}
	for i := 0; i < len(extra); i++ {
		t[extra[i]] = true
	}
	return t
}

func rangeOf(lo, hi int) [256]bool {
	var t [256]bool
	for c := lo; c <= hi; c++ {
		t[c] = true
	}
	return t
}

// equalFold compares ASCII case-insensitively, without allocating.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// trimOWS removes optional whitespace (SP, HTAB) from both ends.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// skipToken returns the end of the run of tchars that begins at i, or end.
// Methods and field names are short (twelve bytes on average in a
// browser's head), and for them this plain loop was faster than testing
// eight bytes at a time, as swar.go does for values (notes/03-parse.md).
func skipToken(b []byte, i, end int) int {
	for k, c := range b[i:end] {
		if !isTchar[c] {
			return i + k
		}
	}
	return end
}
