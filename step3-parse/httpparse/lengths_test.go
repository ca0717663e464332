package httpparse

import (
	"math"
	"strconv"
	"testing"
)

// lengthLimit returns the default limits with MaxBodyBytes set to max.
func lengthLimit(max int64) Limits {
	l := DefaultLimits()
	l.MaxBodyBytes = max
	return l
}

// parseUntilBody parses in (a head and perhaps the start of a body) until
// the parser needs more bytes, and returns where it stopped, the head's
// Content-Length and the error, if any.
func parseUntilBody(limits Limits, in string) (State, int64, *Error) {
	p := New(limits)
	b := []byte(in)
	for i := 0; i < len(in)+2; i++ { // every step consumes a byte or ends
		step, err := p.Parse(b)
		if err != nil {
			return p.State(), 0, err.(*Error)
		}
		b = b[step.Consumed:]
		if step.Kind == NeedMore || step.Kind == Done {
			break
		}
	}
	return p.State(), p.Request().ContentLength, nil
}

// TestContentLengthAtAndPastEveryLimit pins the overflow check of
// parseContentLength: n*10+digit is compared with the limit before it is
// computed, so a limit of math.MaxInt64 is as safe as a small one.
func TestContentLengthAtAndPastEveryLimit(t *testing.T) {
	const head = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " // the value begins at 42
	tests := []struct {
		name   string
		limit  int64
		value  string
		status int // 0: accepted
	}{
		{"MaxInt64 under a MaxInt64 limit", math.MaxInt64, "9223372036854775807", 0},
		{"MaxInt64 with leading zeros", math.MaxInt64, "0009223372036854775807", 0},
		{"one under MaxInt64", math.MaxInt64, "9223372036854775806", 0},
		{"one past MaxInt64", math.MaxInt64, "9223372036854775808", 413},
		{"the last digit wraps the most", math.MaxInt64, "9223372036854775809", 413},
		{"ten past MaxInt64", math.MaxInt64, "9223372036854775817", 413},
		{"2^64", math.MaxInt64, "18446744073709551616", 413},
		{"far past MaxInt64", math.MaxInt64, "99999999999999999999999", 413},
		{"at a limit one under MaxInt64", math.MaxInt64 - 1, "9223372036854775806", 0},
		{"one past a limit one under MaxInt64", math.MaxInt64 - 1, "9223372036854775807", 413},
		{"at a small limit", 10, "10", 0},
		{"one past a small limit", 10, "11", 413},
		{"MaxInt64 past a small limit", 10, "9223372036854775807", 413},
		{"past MaxInt64 and a small limit", 10, "9223372036854775808", 413},
		{"at a one-digit limit", 5, "5", 0},
		{"one digit past a one-digit limit", 5, "6", 413},
		{"zero at a zero limit", 0, "0", 0},
		{"one past a zero limit", 0, "1", 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, n, err := parseUntilBody(lengthLimit(tt.limit), head+tt.value+"\r\n\r\n")
			want, _ := strconv.ParseInt(tt.value, 10, 64) // what an accepted value must read as
			switch {
			case tt.status == 0 && err != nil:
				t.Fatalf("limit %d: refused %s: %d %s", tt.limit, tt.value, err.Status, err.Reason)
			case tt.status == 0 && n != want:
				t.Fatalf("limit %d: Content-Length %s read as %d", tt.limit, tt.value, n)
			case tt.status == 0 && n > 0 && state != StateBodyLength:
				t.Fatalf("limit %d: state %s after the head, want %s", tt.limit, state, StateBodyLength)
			case tt.status != 0 && err == nil:
				t.Fatalf("limit %d: accepted %s as %d, want %d", tt.limit, tt.value, n, tt.status)
			case tt.status != 0 && (err.Status != tt.status || err.Offset != len(head)):
				t.Fatalf("limit %d: %d %q at %d, want %d at %d", tt.limit, err.Status, err.Reason, err.Offset, tt.status, len(head))
			}
		})
	}
}

// TestChunkSizesAtAndPastEveryLimit pins the same for chunked bodies: each
// chunk size, digit by digit, must fit what is left of the limit after the
// chunks before it, checked without computing a sum that could overflow.
func TestChunkSizesAtAndPastEveryLimit(t *testing.T) {
	const head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" // the body begins at 56
	tests := []struct {
		name   string
		limit  int64
		body   string // chunks, up to the LF after the last size
		status int    // 0: accepted, the parser waits for chunk data
		offset int    // of the error, from the start of the body
	}{
		{"MaxInt64 under a MaxInt64 limit", math.MaxInt64, "7fffffffffffffff\r\n", 0, 0},
		{"MaxInt64 in capitals", math.MaxInt64, "7FFFFFFFFFFFFFFF\r\n", 0, 0},
		{"sixteen digits, zeros first", math.MaxInt64, "000000000000000f\r\n", 0, 0},
		{"one past MaxInt64", math.MaxInt64, "8000000000000000\r\n", 413, 15},
		{"the largest sixteen digits", math.MaxInt64, "ffffffffffffffff\r\n", 413, 15},
		{"2^64", math.MaxInt64, "10000000000000000\r\n", 413, 16},
		{"far past MaxInt64", math.MaxInt64, "ffffffffffffffffffffffff\r\n", 413, 15},
		{"a running total at MaxInt64", math.MaxInt64, "1\r\nx\r\n7ffffffffffffffe\r\n", 0, 0},
		{"a running total one past MaxInt64", math.MaxInt64, "1\r\nx\r\n7fffffffffffffff\r\n", 413, 21},
		{"at a small limit", 10, "a\r\n", 0, 0},
		{"one past a small limit", 10, "b\r\n", 413, 0},
		{"a running total at a small limit", 10, "5\r\nhello\r\n5\r\n", 0, 0},
		{"a running total one past a small limit", 10, "5\r\nhello\r\n6\r\n", 413, 10},
		{"MaxInt64 past a small limit", 10, "7fffffffffffffff\r\n", 413, 1},
		{"past MaxInt64 and a small limit", 10, "ffffffffffffffffffff\r\n", 413, 0},
		{"a running total past MaxInt64 and a small limit", 10, "5\r\nhello\r\nffffffffffffffff\r\n", 413, 10},
		{"one past a zero limit", 0, "1\r\n", 413, 0},
		{"seventeen digits, zeros first", math.MaxInt64, "00000000000000001\r\n", 400, 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, _, err := parseUntilBody(lengthLimit(tt.limit), head+tt.body)
			switch {
			case tt.status == 0 && err != nil:
				t.Fatalf("limit %d: refused: %d %q at %d", tt.limit, err.Status, err.Reason, err.Offset)
			case tt.status == 0 && state != StateChunkData:
				t.Fatalf("limit %d: stopped in %s, want %s", tt.limit, state, StateChunkData)
			case tt.status != 0 && err == nil:
				t.Fatalf("limit %d: accepted (state %s), want %d", tt.limit, state, tt.status)
			case tt.status != 0 && (err.Status != tt.status || err.Offset != len(head)+tt.offset):
				t.Fatalf("limit %d: %d %q at %d, want %d at %d", tt.limit, err.Status, err.Reason, err.Offset, tt.status, len(head)+tt.offset)
			}
		})
	}
}

// TestWithDefaultsFillsOnlyTheUnsetFields: a caller sets the limits it
// cares about and gets the defaults for the rest, field by field.
func TestWithDefaultsFillsOnlyTheUnsetFields(t *testing.T) {
	d := DefaultLimits()
	tests := []struct {
		name     string
		in, want Limits
	}{
		{"zero value", Limits{}, d},
		{"all set", Limits{1, 2, 3, 4, 5, 6}, Limits{1, 2, 3, 4, 5, 6}},
		{"only the body", Limits{MaxBodyBytes: 1 << 30},
			Limits{d.MaxRequestLine, d.MaxHeaderBytes, d.MaxHeaders, 1 << 30, d.MaxChunkExt, d.MaxTrailerBytes}},
		{"only the head", Limits{MaxHeaderBytes: 4096, MaxHeaders: 7},
			Limits{d.MaxRequestLine, 4096, 7, d.MaxBodyBytes, d.MaxChunkExt, d.MaxTrailerBytes}},
		{"negatives are unset too", Limits{-1, -2, -3, math.MinInt64, -5, 9},
			Limits{d.MaxRequestLine, d.MaxHeaderBytes, d.MaxHeaders, d.MaxBodyBytes, d.MaxChunkExt, 9}},
		{"MaxInt64 body is kept", Limits{MaxBodyBytes: math.MaxInt64},
			Limits{d.MaxRequestLine, d.MaxHeaderBytes, d.MaxHeaders, math.MaxInt64, d.MaxChunkExt, d.MaxTrailerBytes}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.WithDefaults(); got != tt.want {
				t.Fatalf("%+v.WithDefaults() = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
	// The bug it fixes: a partly filled Limits refused every request with 431.
	p := New(Limits{MaxBodyBytes: 1 << 20}.WithDefaults())
	if step, err := p.Parse([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")); err != nil || step.Kind != Head {
		t.Fatalf("a GET under partly filled limits: %v, %v", step, err)
	}
}
