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
// its line and write fields, or a response, of its own.
func ValidFieldValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if !isValueChar[v[i]] {
			return false
		}
	}
	return true
}
