package httpparse

import (
	"bufio"
	"bytes"
	"errors"
	"go/version"
	"io"
	"net/http"
	"reflect"
	"testing"
)

// FuzzParse feeds the parser anything. It must never panic (every slice
// handed to Parse has its capacity cut to its length, so a read past the
// input panics too), must give the same result however the input is cut,
// and must agree with net/http.ReadRequest on whether the first request
// head is acceptable, except where the two differ on purpose (see
// knownDifference).
func FuzzParse(f *testing.F) {
	for _, c := range validCases {
		f.Add([]byte(c.in))
	}
	for _, c := range invalidCases {
		f.Add([]byte(c.in))
	}
	for _, s := range []string{curlRequest, browserRequest, chunkedRequest} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		limits := DefaultLimits()
		want := feed(limits, in, []int{len(in)}, false)
		if len(in) > 1 {
			k := 1 + int(in[len(in)/2])%(len(in)-1)
			if got := feed(limits, in, []int{k, len(in) - k}, true); !reflect.DeepEqual(got, want) {
				t.Fatalf("split at %d:\n%v\nwhole:\n%v", k, got, want)
			}
		}
		if len(in) <= 256 {
			if got := byteByByte(limits, string(in), false); !reflect.DeepEqual(got, want) {
				t.Fatalf("byte by byte:\n%v\nwhole:\n%v", got, want)
			}
		}
		compareWithNetHTTP(t, in)
	})
}

// firstHead reports whether the parser accepts the first request head in
// in, and whether it could tell (the head may be incomplete).
func firstHead(in []byte) (accepted, decided bool, err *Error) {
	p := New(DefaultLimits())
	step, e := p.Parse(in[:len(in):len(in)])
	if e != nil {
		return false, true, e.(*Error)
	}
	return step.Kind == Head, step.Kind == Head, nil
}

func compareWithNetHTTP(t *testing.T, in []byte) {
	ours, decided, ourErr := firstHead(in)
	if !decided {
		return
	}
	req, theirErr := http.ReadRequest(bufio.NewReader(bytes.NewReader(in)))
	if errors.Is(theirErr, io.EOF) || errors.Is(theirErr, io.ErrUnexpectedEOF) {
		return // net/http wants more bytes; no verdict to compare
	}
	theirs := theirErr == nil
	if theirs && req.Body != nil {
		req.Body.Close()
	}
	if ours == theirs {
		return
	}
	if why := knownDifference(in, ours, ourErr); why != "" {
		return
	}
	t.Fatalf("disagreement on %q: we accept=%v (%v), net/http accept=%v (%v)", in, ours, ourErr, theirs, theirErr)
}

// TestFixedInNetHTTPMatchesThisGo keeps fixedInNetHTTP honest under every
// Go that runs it: each sample is refused by this parser for the reason
// listed, accepted by the ReadRequest of a Go older than fixedIn, and
// refused by the ReadRequest of fixedIn and later.
func TestFixedInNetHTTPMatchesThisGo(t *testing.T) {
	for _, d := range fixedInNetHTTP {
		in := []byte(d.sample)
		if ours, _, err := firstHead(in); ours || err.Reason != d.reason || !d.applies(in, err) {
			t.Errorf("%q: this parser gives %v, want a refusal for %q that the entry covers", d.sample, err, d.reason)
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(in)))
		if err == nil {
			req.Body.Close()
		}
		older := version.Compare(goVersion(), d.fixedIn) < 0
		if older != (err == nil) {
			t.Errorf("%s, %q: ReadRequest error %v; the entry says net/http refuses it from %s on", goVersion(), d.sample, err, d.fixedIn)
		}
	}
}
