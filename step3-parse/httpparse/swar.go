package httpparse

import (
	"encoding/binary"
	"math/bits"
)

// Eight bytes at a time. Most bytes of a head are ordinary: letters of a
// path, of a user agent, of a cookie. A loop that looks at them one by one
// spends a load, a compare and a branch on each. Loaded eight at a time
// into one 64-bit word, they can be tested together with a few arithmetic
// operations that work on all eight bytes at once (SIMD within a register,
// "SWAR"): the word answers "is any of these eight bytes one that ends or
// forbids the run?", and only a word that says yes is looked at closely.
// picohttpparser does the same sixteen bytes at a time with the SSE4.2
// instruction PCMPESTRI; plain Go arithmetic is portable (amd64, arm64)
// and needs no assembly.
//
// Each test below returns a mask: the high bit (0x80) of a byte is set
// where that byte matched. A test may also set it in bytes after the first
// match (a borrow or a carry spills into the byte above), never before it,
// so the first set bit is always exact, and first() turns it into an index.

const (
	lows  = 0x0101010101010101 // 0x01 in every byte
	highs = 0x8080808080808080 // 0x80 in every byte
)

// word loads b[i:i+8] as one number, b[i] in its lowest byte. The binary
// package compiles this to a single load on amd64 and arm64, which both
// allow a load that is not aligned to eight bytes; on any other machine
// the bytes are put in that order one by one, so the masks mean the same.
func word(b []byte, i int) uint64 {
	return binary.LittleEndian.Uint64(b[i : i+8])
}

// first is the index, 0 to 7, of the first byte a mask marks (m != 0).
func first(m uint64) int {
	return bits.TrailingZeros64(m) / 8
}

// below marks the bytes of x less than n, for n at most 0x80. Subtracting
// n from a byte below it wraps around and sets the byte's high bit; &^ x
// drops the bytes whose high bit was set already (0x80 and up, never below
// n). A byte that wraps borrows one from the byte above, which can only
// mark bytes after the first match.
func below(x uint64, n byte) uint64 {
	return (x - lows*uint64(n)) &^ x & highs
}

// above marks the bytes of x greater than n, for n below 0x80. Adding
// 0x7f-n sets the high bit of a byte greater than n; | x marks the bytes
// whose high bit was set already. A carry out of a byte (one of 0x81 and
// up, marked already) can only mark the byte above it.
func above(x uint64, n byte) uint64 {
	return ((x + lows*uint64(0x7f-n)) | x) & highs
}

// equal marks the bytes of x equal to c: xor turns them to zero, and zero
// is the one byte below 1.
func equal(x uint64, c byte) uint64 {
	return below(x^(lows*uint64(c)), 1)
}

// targetStops marks what ends a run of a request-target's ordinary bytes:
// controls and space (below 0x21), DEL and non-ASCII (above 0x7e), '%'
// (two hex digits must follow) and '#' (refused). isTargetChar is the
// same set, a byte at a time.
func targetStops(x uint64) uint64 {
	return below(x, 0x21) | above(x, 0x7e) | equal(x, '%') | equal(x, '#')
}

// valueStops marks what ends a run of a field value's bytes: controls
// (CR, LF, NUL and the rest, below 0x20) and DEL. Bytes over 0x7f
// (obs-text) are allowed, and so is HTAB, which is a control: a tab stops
// the fast scan, and the caller steps over it.
func valueStops(x uint64) uint64 {
	return below(x, 0x20) | equal(x, 0x7f)
}

// The version nearly every client sends, as the word that word() loads.
var (
	http11 = binary.LittleEndian.Uint64([]byte("HTTP/1.1"))
	http10 = binary.LittleEndian.Uint64([]byte("HTTP/1.0"))
)
