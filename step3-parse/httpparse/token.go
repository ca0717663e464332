package httpparse

// IsTokenChar reports whether c may appear in a token (RFC 9110 §5.6.2):
// a method or a field name. A server that lets handlers set response
// fields checks their names with it.
func IsTokenChar(c byte) bool { return isTchar[c] }
