package httpparse

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseWithSmallLimits is FuzzParse's first rule (never panic, the same
// result however the input is cut) under limits as small as a server may
// set them, with and without Trace. FuzzParse keeps the default limits,
// where no head of the fuzzer's sizes reaches one; a bug at a limit hides
// there. One did: empty lines before the request line let its limit reach
// past the head's, and a read ran past the end of the buffer.
func FuzzParseWithSmallLimits(f *testing.F) {
	f.Add([]byte("\r\nGET /"+strings.Repeat("x", 47)+" HTTP/1.1\r\n"), uint16(64), uint16(8192))
	f.Add([]byte("\r\n00 0 HTTP/1.0\r\n "), uint16(15), uint16(15))
	f.Add([]byte(curlRequest), uint16(40), uint16(20))
	f.Fuzz(func(t *testing.T, in []byte, head, line uint16) {
		limits := DefaultLimits()
		limits.MaxHeaderBytes = 1 + int(head)%2048
		limits.MaxRequestLine = 1 + int(line)%2048
		whole := feed(limits, in, []int{len(in)}, false)
		others := map[string]outcome{}
		if len(in) > 1 {
			k := 1 + int(in[len(in)/2])%(len(in)-1)
			others[fmt.Sprintf("in two at %d, moved", k)] = feed(limits, in, []int{k, len(in) - k}, true)
		}
		if len(in) <= 256 {
			others["a byte at a time"] = byteByByte(limits, string(in), false)
		}
		for how, got := range others {
			if !reflect.DeepEqual(got, whole) {
				t.Fatalf("%s:\n%v\nwhole:\n%v", how, got, whole)
			}
		}
		// Trace makes the parser take the head a byte at a time: the
		// same verdict, and no panic, either way.
		p := New(limits)
		p.Trace = func(from, to State, offset int) {}
		step, err := p.Parse(in[:len(in):len(in)])
		q := New(limits)
		step2, err2 := q.Parse(in[:len(in):len(in)])
		if (err == nil) != (err2 == nil) || step.Kind != step2.Kind || step.Consumed != step2.Consumed {
			t.Fatalf("with Trace: %v %v; without: %v %v", step, err, step2, err2)
		}
		if err != nil && err.(*Error).Status != err2.(*Error).Status {
			t.Fatalf("with Trace: %v; without: %v", err, err2)
		}
	})
}

// The head in the seeds above, at the limits that broke it: an answer,
// not a panic, however it arrives.
func TestEmptyLinesBeforeALongRequestLineAtTheHeadLimit(t *testing.T) {
	for _, c := range []struct {
		in         string
		head, line int
	}{
		{"\r\nGET /" + strings.Repeat("x", 47) + " HTTP/1.1\r\nHost: x\r\n\r\n", 64, 8192},
		{"\r\nGET /" + strings.Repeat("a", 8175) + " HTTP/1.1\r\nHost: x\r\n\r\n", 8192, 8192},
		{"\r\n00 0 HTTP/1.0\r\n ", 15, 15},
	} {
		limits := DefaultLimits()
		limits.MaxHeaderBytes, limits.MaxRequestLine = c.head, c.line
		got := feed(limits, []byte(c.in), []int{len(c.in)}, false)
		if got.Err == nil || (got.Err.Status != 414 && got.Err.Status != 431) {
			t.Errorf("%.30q... at head %d, line %d: %v, want 414 or 431", c.in, c.head, c.line, got)
		}
		if by := byteByByte(limits, c.in, false); !reflect.DeepEqual(by, got) {
			t.Errorf("%.30q...: byte by byte %v, whole %v", c.in, by, got)
		}
	}
}
