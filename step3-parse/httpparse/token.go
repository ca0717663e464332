package httpparse

// The parser's rules for a token and a field value, for a server that
// checks the fields its handlers set with the same rules it parses
// requests by: one definition, in one place.

// IsTokenChar reports whether c may appear in a token (RFC 9110 §5.6.2):
// a method or a field name. A server that lets handlers set response
// fields checks their names with it.
func IsTokenChar(c byte) bool { return isTchar[c] }

// ValidFieldValue reports whether v may be sent as a field value (RFC 9110
// §5.5): field-vchar, SP, HTAB and obs-text, as isValueChar has it; never
// CR, LF, NUL, another control or DEL, any of which would let a value end
// its line and write fields, or a response, of its own. Eight bytes at a
// time while none needs a closer look (a tab does), then one at a time.
func ValidFieldValue(v string) bool {
	i := 0
	for ; i+8 <= len(v); i += 8 {
		if valueStops(wordOf(v, i)) != 0 {
			break
		}
	}
	for ; i < len(v); i++ {
		if !isValueChar[v[i]] {
			return false
		}
	}
	return true
}

// wordOf is word for a string: v[i:i+8] as one number, v[i] in its lowest
// byte. The compiler turns the eight loads and shifts into one load.
func wordOf(v string, i int) uint64 {
	v = v[i : i+8]
	return uint64(v[0]) | uint64(v[1])<<8 | uint64(v[2])<<16 | uint64(v[3])<<24 |
		uint64(v[4])<<32 | uint64(v[5])<<40 | uint64(v[6])<<48 | uint64(v[7])<<56
}
