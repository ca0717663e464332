package httpparse

import (
	"bytes"
	"go/version"
	"runtime"
	"strings"
)

// Where this parser and net/http.ReadRequest disagree, on purpose. The fuzz
// test compares the two on every input and fails on any disagreement not
// explained here. notes/03-parse.md lists the same rules.
//
// ReadRequest is the low-level reader; Go's server adds checks after it (a
// Host is required, HTTP/2.0 gets 505, the Host must be valid). A parser
// that faces the network directly makes those checks itself.

// stricterOnPurpose are the reasons for refusing what ReadRequest accepts.
var stricterOnPurpose = map[string]string{
	"body larger than the limit":                            "our limits (Limits); ReadRequest has none",
	"request head larger than the limit":                    "our limits (Limits); ReadRequest has none",
	"request line longer than the limit":                    "our limits (Limits); ReadRequest has none",
	"too many header fields":                                "our limits (Limits); ReadRequest has none",
	"malformed percent-encoding in the request-target":      "RFC 3986 §2.1 everywhere; ReadRequest skips the opaque part of an absolute URI",
	"invalid authority in an absolute URI":                  "RFC 9110 §4.2.4 treats userinfo as an error; ReadRequest accepts it",
	"an http URI needs //host":                              "RFC 9110 §4.2.1 MUST reject an http URI without a host; ReadRequest takes it as opaque",
	"an http URI needs a host":                              "RFC 9110 §4.2.1 MUST reject an empty host; ReadRequest accepts it",
	"method longer than any this server implements":         "we bound methods (501); ReadRequest does not",
	"only HTTP/1.0 and HTTP/1.1 are served":                 "ReadRequest reads any HTTP/x.y; Go's server answers 505 later",
	"invalid byte in the request-target":                    "we take visible ASCII only; ReadRequest takes bytes over 0x7F",
	"the target * is only for OPTIONS":                      "RFC 9112 §3.2.4; ReadRequest takes * for any method",
	"CONNECT needs host:port as its target":                 "RFC 9112 §3.2.3; ReadRequest takes a path for CONNECT",
	"whitespace between a field name and its colon":         "RFC 9112 §5.1 MUST reject; ReadRequest accepts it",
	"a field line may not begin with whitespace (obs-fold)": "RFC 9112 §5.2 lets us reject obs-fold; ReadRequest unfolds it",
	"an HTTP/1.1 request needs a Host field":                "RFC 9112 §3.2; Go's server checks this after ReadRequest",
	"invalid byte in Host":                                  "RFC 9110 §7.2; Go's server checks this after ReadRequest",
	"more than one Host field":                              "RFC 9112 §3.2; Go's server checks this after ReadRequest",
	"both Content-Length and Transfer-Encoding":             "a smuggling signal; ReadRequest drops Content-Length and goes on",
	"more than one Content-Length field":                    "we refuse even identical repeats; ReadRequest allows them",
	"one space, and only one, between method and target":    "RFC 9112 §3; ReadRequest takes an empty target for CONNECT",
	"empty Transfer-Encoding":                               "1#transfer-coding needs one (RFC 9112 §6.1); ReadRequest ignores an empty one",
	"invalid transfer coding":                               "RFC 9112 §6.1; ReadRequest ignores Transfer-Encoding in HTTP/1.0",
	"chunked must be the last transfer coding":              "RFC 9112 §6.3; ReadRequest ignores Transfer-Encoding in HTTP/1.0",
	"the last transfer coding must be chunked":              "RFC 9112 §6.3; ReadRequest ignores Transfer-Encoding in HTTP/1.0",
	"transfer coding not implemented (only chunked is)":     "RFC 9112 §6.1; ReadRequest ignores Transfer-Encoding in HTTP/1.0",
	"Transfer-Encoding in an HTTP/1.0 request":              "RFC 9112 §6.1; ReadRequest ignores it for HTTP/1.0",
}

// fixedInNetHTTP are disagreements that belong to a net/http release, not
// to a choice of ours: older releases accept what this parser refuses, and
// a later one refuses it too. The fuzz test compares with the net/http of
// the Go that runs it, and the course supports Go 1.22 and newer (README),
// so scripts/test.sh runs it with the oldest 1.22 as well as the newest
// Go, and each entry applies only to a Go older than fixedIn.
var fixedInNetHTTP = []struct {
	fixedIn string // the first Go release whose ReadRequest refuses it too
	reason  string // our Error.Reason
	applies func(in []byte, e *Error) bool
	why     string
	sample  string // a request it covers, for TestFixedInNetHTTPMatchesThisGo
}{
	{"go1.23", "invalid byte at the start of a field line",
		func(in []byte, e *Error) bool { return e.Offset < len(in) && in[e.Offset] == ':' },
		"an empty field name (RFC 9110 §5.1: a name is 1*tchar); ReadRequest accepted it before Go 1.23",
		"GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n"},
}

// goVersion is the release of the toolchain running the test: "go1.22.12"
// from runtime.Version(), without the " X:experiment" suffix some builds
// add. A development build has no release; go/version then compares it as
// older than any, and every entry of fixedInNetHTTP applies.
func goVersion() string {
	v, _, _ := strings.Cut(runtime.Version(), " ")
	return v
}

// knownDifference returns why the two parsers may disagree on in, or "".
func knownDifference(in []byte, weAccept bool, ourErr *Error) string {
	if !weAccept {
		for _, d := range fixedInNetHTTP {
			if version.Compare(goVersion(), d.fixedIn) < 0 && d.reason == ourErr.Reason && d.applies(in, ourErr) {
				return d.why
			}
		}
		return stricterOnPurpose[ourErr.Reason]
	}
	// We accept what ReadRequest refuses:
	if len(in) > 0 && (in[0] == '\r' || in[0] == '\n') {
		return "RFC 9112 §2.2: empty lines before the request line are skipped; ReadRequest refuses them"
	}
	p := New(DefaultLimits())
	p.Parse(in)
	if r := p.Request(); r.Framing == FramingChunked {
		if te, _ := r.Header("Transfer-Encoding"); !bytes.Equal(te, []byte("chunked")) {
			return "Transfer-Encoding is a case-insensitive list (RFC 9110 §5.6.1); ReadRequest takes only \"chunked\""
		}
	}
	return ""
}
