package httpparse

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// summary is the part of a message a rule test looks at, on one line.
func summary(m message) string {
	s := fmt.Sprintf("%s %s %s | %s | %s", m.Method, m.Target, m.Version, m.Headers, m.Framing)
	if m.Framing != FramingNone {
		s += fmt.Sprintf(" body=%q", m.Body)
	}
	if !m.KeepAlive {
		s += " close"
	}
	switch m.Expect {
	case ExpectContinue:
		s += " expect-100"
	case ExpectUnknown:
		s += " expect-unknown"
	}
	if m.Upgrade != "" {
		s += " upgrade=" + m.Upgrade
	}
	return s
}

// small limits keep the limit tests short enough to split at every byte.
var small = Limits{
	MaxRequestLine: 40, MaxHeaderBytes: 120, MaxHeaders: 4,
	MaxBodyBytes: 10, MaxChunkExt: 12, MaxTrailerBytes: 24,
}

// tiny has a body limit under ten, where a one-digit length can exceed it.
var tiny = Limits{MaxRequestLine: 100, MaxHeaderBytes: 200, MaxHeaders: 10, MaxBodyBytes: 5, MaxChunkExt: 8, MaxTrailerBytes: 16}

type validCase struct {
	name  string
	in    string
	want  []string // one summary per request
	limit *Limits  // nil: DefaultLimits
}

var validCases = []validCase{
	// The request line (RFC 9112 §3).
	{"simple GET", "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		[]string{"GET / HTTP/1.1 | Host: a | none"}, nil},
	{"any token is a method", "M-SEARCH / HTTP/1.1\r\nHost: a\r\n\r\nPURGE /x HTTP/1.1\r\nHost: a\r\n\r\n",
		[]string{"M-SEARCH / HTTP/1.1 | Host: a | none", "PURGE /x HTTP/1.1 | Host: a | none"}, nil},
	{"percent-escapes in the target", "GET /a%20b%2F%2e%2E HTTP/1.1\r\nHost: a\r\n\r\n",
		[]string{"GET /a%20b%2F%2e%2E HTTP/1.1 | Host: a | none"}, nil},
	{"query and odd but visible bytes in the target", "GET /a/b?c=d&e={f}|^ HTTP/1.1\r\nHost: a\r\n\r\n",
		[]string{"GET /a/b?c=d&e={f}|^ HTTP/1.1 | Host: a | none"}, nil},
	{"absolute-form", "GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n",
		[]string{"GET http://example.com/x?y HTTP/1.1 | Host: example.com | none"}, nil},
	{"authority-form for CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nCONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n",
		[]string{"CONNECT example.com:443 HTTP/1.1 | Host: example.com:443 | none", "CONNECT [::1]:8443 HTTP/1.1 | Host: [::1]:8443 | none"}, nil},
	{"asterisk-form for OPTIONS", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
		[]string{"OPTIONS * HTTP/1.1 | Host: a | none"}, nil},
	{"HTTP/1.0 needs no Host and closes", "GET / HTTP/1.0\r\n\r\n",
		[]string{"GET / HTTP/1.0 |  | none close"}, nil},
	{"HTTP/1.2 is read as 1.1", "GET / HTTP/1.2\r\nHost: a\r\n\r\n",
		[]string{"GET / HTTP/1.2 | Host: a | none"}, nil},
	{"leading empty lines are skipped", "\r\n\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
		[]string{"GET / HTTP/1.1 | Host: a | none"}, nil},
	{"bare LF ends head lines", "GET / HTTP/1.1\nHost: a\nX: y\n\n",
		[]string{"GET / HTTP/1.1 | Host: a|X: y | none"}, nil},
	{"CRLF and LF mixed in the head", "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\n",
		[]string{"GET / HTTP/1.1 | Host: a|X: y | none"}, nil},

	// Header fields (RFC 9112 §5, RFC 9110 §5).
	{"optional whitespace is trimmed", "GET / HTTP/1.1\r\nHost:a\r\nX: \t b c \t \r\nY:\r\n\r\n",
		[]string{"GET / HTTP/1.1 | Host: a|X: b c|Y:  | none"}, nil},
	{"obs-text is allowed in values", "GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9 \x80\xff\r\n\r\n",
		[]string{"GET / HTTP/1.1 | Host: a|X: caf\xc3\xa9 \x80\xff | none"}, nil},
	{"names keep their case and are matched without it", "GET / HTTP/1.1\r\nhOsT: a\r\nCONTENT-length: 2\r\n\r\nhi",
		[]string{`GET / HTTP/1.1 | hOsT: a|CONTENT-length: 2 | length body="hi"`}, nil},
	{"Host forms", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\nGET / HTTP/1.1\r\nHost:\r\n\r\n",
		[]string{"GET / HTTP/1.1 | Host: [::1]:8080 | none", "GET / HTTP/1.1 | Host:  | none"}, nil},
	{"absolute-form with a port, and an IPv6 authority", "GET http://a:80/x HTTP/1.1\r\nHost: a:80\r\n\r\nGET http://[::1]/ HTTP/1.1\r\nHost: [::1]\r\n\r\n",
		[]string{"GET http://a:80/x HTTP/1.1 | Host: a:80 | none", "GET http://[::1]/ HTTP/1.1 | Host: [::1] | none"}, nil},
	{"exactly the header limit", "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
		[]string{"GET / HTTP/1.1 | Host: a|A: 1|B: 2|C: 3 | none"}, &small},

	// Keep-alive (RFC 9112 §9.3), Expect, Upgrade.
	{"Connection: close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, CLOSE\r\n\r\n",
		[]string{"GET / HTTP/1.1 | Host: a|Connection: keep-alive, CLOSE | none close"}, nil},
	{"HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
		[]string{"GET / HTTP/1.0 | Connection: Keep-Alive | none"}, nil},
	{"Expect: 100-continue", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx",
		[]string{`POST / HTTP/1.1 | Host: a|Expect: 100-Continue|Content-Length: 1 | length body="x" expect-100`}, nil},
	{"an unknown expectation", "GET / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\n\r\n",
		[]string{"GET / HTTP/1.1 | Host: a|Expect: teapot | none expect-unknown"}, nil},
	{"Expect is ignored from HTTP/1.0", "GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n",
		[]string{"GET / HTTP/1.0 | Expect: 100-continue | none close"}, nil},
	{"Upgrade is reported when Connection names it", "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
		[]string{"GET / HTTP/1.1 | Host: a|Connection: Upgrade|Upgrade: websocket | none upgrade=websocket"}, nil},
	{"Upgrade from HTTP/1.0 is ignored (RFC 9110 §7.8)", "GET / HTTP/1.0\r\nConnection: upgrade, keep-alive\r\nUpgrade: websocket\r\n\r\n",
		[]string{"GET / HTTP/1.0 | Connection: upgrade, keep-alive|Upgrade: websocket | none"}, nil},
	{"Upgrade alone means nothing", "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n",
		[]string{"GET / HTTP/1.1 | Host: a|Upgrade: websocket | none"}, nil},

	// Framing (RFC 9112 §6).
	{"Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
		[]string{`POST / HTTP/1.1 | Host: a|Content-Length: 5 | length body="hello"`}, nil},
	{"Content-Length 0 and leading zeros", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 003\r\n\r\nabc",
		[]string{`POST / HTTP/1.1 | Host: a|Content-Length: 0 | length body=""`, `POST / HTTP/1.1 | Host: a|Content-Length: 003 | length body="abc"`}, nil},
	{"Content-Length at the body limit", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789",
		[]string{`POST / HTTP/1.1 | Host: a|Content-Length: 10 | length body="0123456789"`}, &small},
	{"chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
		[]string{`POST / HTTP/1.1 | Host: a|Transfer-Encoding: chunked | chunked body="hello world"`}, nil},
	{"chunked is case-insensitive, empty list elements skipped", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , CHUNKED ,\r\n\r\n0\r\n\r\n",
		[]string{`POST / HTTP/1.1 | Host: a|Transfer-Encoding: , CHUNKED , | chunked body=""`}, nil},
	{"chunk sizes in upper and lower hex, with zeros", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n00A\r\n0123456789\r\n000\r\n\r\n",
		[]string{`POST / HTTP/1.1 | Host: a|Transfer-Encoding: chunked | chunked body="0123456789"`}, nil},
	{"chunk extensions are ignored", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b;c\r\nabc\r\n2 ; q=\"x y\"\r\nde\r\n0;end\r\n\r\n",
		[]string{`POST / HTTP/1.1 | Host: a|Transfer-Encoding: chunked | chunked body="abcde"`}, nil},
	{"trailers are read and dropped, framing untouched", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nContent-Length: 50\r\nX-Sum: 1\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
		[]string{`POST / HTTP/1.1 | Host: a|Transfer-Encoding: chunked | chunked body="x"`, "GET / HTTP/1.1 | Host: a | none"}, nil},
	{"a Transfer_Encoding field is just a field", "GET / HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: chunked\r\n\r\n",
		[]string{"GET / HTTP/1.1 | Host: a|Transfer_Encoding: chunked | none"}, nil},

	// Pipelining: several requests in one read.
	{"pipelined mix", "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi\r\nPOST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nyo\r\n0\r\n\r\nGET /4 HTTP/1.0\r\n\r\n",
		[]string{"GET /1 HTTP/1.1 | Host: a | none", `POST /2 HTTP/1.1 | Host: a|Content-Length: 2 | length body="hi"`,
			`POST /3 HTTP/1.1 | Host: a|Transfer-Encoding: chunked | chunked body="yo"`, "GET /4 HTTP/1.0 |  | none close"}, nil},
}

func TestValidRequests(t *testing.T) {
	for _, tt := range validCases {
		t.Run(tt.name, func(t *testing.T) {
			limits := DefaultLimits()
			if tt.limit != nil {
				limits = *tt.limit
			}
			got := whole(limits, tt.in)
			if got.Err != nil {
				t.Fatalf("rejected: %v", got)
			}
			var sums []string
			for _, m := range got.Messages {
				sums = append(sums, summary(m))
			}
			if !reflect.DeepEqual(sums, tt.want) {
				t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(sums, "\n  "), strings.Join(tt.want, "\n  "))
			}
			if got.Pending != 0 {
				t.Fatalf("%d bytes left over", got.Pending)
			}
		})
	}
}

type invalidCase struct {
	name   string
	in     string
	status int
	offset int // -1: not checked
	limit  *Limits
}

const host = "Host: a\r\n"

var invalidCases = []invalidCase{
	// The request line.
	{"two spaces after the method", "GET  / HTTP/1.1\r\n" + host + "\r\n", 400, 4, nil},
	{"two spaces before the version", "GET /  HTTP/1.1\r\n" + host + "\r\n", 400, 6, nil},
	{"a tab for a space", "GET\t/ HTTP/1.1\r\n" + host + "\r\n", 400, 3, nil},
	{"a space before the method", " GET / HTTP/1.1\r\n" + host + "\r\n", 400, 0, nil},
	{"a method that is not a token", "GE(T / HTTP/1.1\r\n" + host + "\r\n", 400, 2, nil},
	{"a method longer than any we know", strings.Repeat("A", 40) + " / HTTP/1.1\r\n" + host + "\r\n", 501, 32, nil},
	{"no version (HTTP/0.9)", "GET /\r\n\r\n", 400, 5, nil},
	{"lowercase http", "GET / http/1.1\r\n" + host + "\r\n", 400, 6, nil},
	{"two-digit minor", "GET / HTTP/1.10\r\n" + host + "\r\n", 400, 6, nil},
	{"space after the version", "GET / HTTP/1.1 \r\n" + host + "\r\n", 400, 6, nil},
	{"HTTP/2.0", "GET / HTTP/2.0\r\n" + host + "\r\n", 505, 6, nil},
	{"HTTP/0.9 with a version", "GET / HTTP/0.9\r\n" + host + "\r\n", 505, 6, nil},
	{"bare CR ends the request line", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400, 15, nil},
	{"control byte in the target", "GET /a\x01b HTTP/1.1\r\n" + host + "\r\n", 400, 6, nil},
	{"DEL in the target", "GET /a\x7f HTTP/1.1\r\n" + host + "\r\n", 400, 6, nil},
	{"non-ASCII in the target", "GET /caf\xc3\xa9 HTTP/1.1\r\n" + host + "\r\n", 400, 8, nil},
	{"a request line over the limit, ended by a bare LF", "GET /" + strings.Repeat("a", 30) + " HTTP/1.1\n" + host + "\n", 414, 40, &small},
	{"a bad byte past the target limit: the limit comes first", "GET /" + strings.Repeat("a", 50) + "\x01 HTTP/1.1\r\n" + host + "\r\n", 414, 40, &small},
	{"target over the limit", "GET /" + strings.Repeat("a", 50) + " HTTP/1.1\r\n" + host + "\r\n", 414, 40, &small},
	{"a target that is no form at all", "GET foo HTTP/1.1\r\n" + host + "\r\n", 400, 4, nil},
	{"a target that starts with %", "GET %2F HTTP/1.1\r\n" + host + "\r\n", 400, 4, nil},
	{"a fragment in the target", "GET /a#b HTTP/1.1\r\n" + host + "\r\n", 400, 6, nil},
	{"userinfo in an absolute URI", "GET http://u@a/ HTTP/1.1\r\n" + host + "\r\n", 400, 12, nil},
	{"an http URI without //host", "GET http:foo HTTP/1.1\r\n" + host + "\r\n", 400, 9, nil},
	{"an http URI with an empty host", "GET http:///x HTTP/1.1\r\n" + host + "\r\n", 400, 11, nil},
	{"an HTTPS URI with a port and no host", "GET HTTPS://:443/ HTTP/1.1\r\n" + host + "\r\n", 400, 12, nil},
	{"a bad percent-escape", "GET /a%2g HTTP/1.1\r\n" + host + "\r\n", 400, 6, nil},
	{"a percent-escape cut short", "GET /a% HTTP/1.1\r\n" + host + "\r\n", 400, 6, nil},
	{"* is only for OPTIONS", "GET * HTTP/1.1\r\n" + host + "\r\n", 400, 4, nil},
	{"CONNECT needs host:port", "CONNECT /x HTTP/1.1\r\n" + host + "\r\n", 400, 8, nil},
	{"CONNECT needs a port", "CONNECT [::1] HTTP/1.1\r\n" + host + "\r\n", 400, 8, nil},
	{"CONNECT needs a numeric port", "CONNECT a:b HTTP/1.1\r\n" + host + "\r\n", 400, 10, nil},
	{"too many empty lines first", strings.Repeat("\r\n", 17) + "GET / HTTP/1.1\r\n" + host + "\r\n", 400, 33, nil},
	{"a CR alone before the request", "\rGET / HTTP/1.1\r\n" + host + "\r\n", 400, 1, nil},

	// Header fields.
	{"space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, 20, nil},
	{"tab before the colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400, 20, nil},
	{"obs-fold", "GET / HTTP/1.1\r\n" + host + "X: a\r\n b\r\n\r\n", 400, 31, nil},
	{"whitespace before the first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400, 16, nil},
	{"a line without a colon", "GET / HTTP/1.1\r\n" + host + "Xyz\r\n\r\n", 400, 28, nil},
	{"an empty field name", "GET / HTTP/1.1\r\n" + host + ": v\r\n\r\n", 400, 25, nil},
	{"a non-token field name", "GET / HTTP/1.1\r\n" + host + "X(y: v\r\n\r\n", 400, 26, nil},
	{"NUL in a value", "GET / HTTP/1.1\r\n" + host + "X: a\x00b\r\n\r\n", 400, 29, nil},
	{"bare CR in a value", "GET / HTTP/1.1\r\n" + host + "X: a\rb\r\n\r\n", 400, 30, nil},
	{"a control byte in a value", "GET / HTTP/1.1\r\n" + host + "X: \x01\r\n\r\n", 400, 28, nil},
	{"DEL in a value", "GET / HTTP/1.1\r\n" + host + "X: \x7f\r\n\r\n", 400, 28, nil},
	{"bare CR ends the head", "GET / HTTP/1.1\r\n" + host + "\rX", 400, 26, nil},
	{"no Host in HTTP/1.1", "GET / HTTP/1.1\r\nX: a\r\n\r\n", 400, 23, nil},
	{"two Host fields", "GET / HTTP/1.1\r\n" + host + host + "\r\n", 400, 25, nil},
	{"a Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, 23, nil},
	{"a Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400, 23, nil},
	{"a Host with a port that is not a number", "GET / HTTP/1.1\r\nHost: a:8o\r\n\r\n", 400, 25, nil},
	{"a port in an absolute URI that is not a number", "GET http://a:b/ HTTP/1.1\r\n" + host + "\r\n", 400, 13, nil},
	{"too many fields", "GET / HTTP/1.1\r\n" + host + "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 431, 43, &small},
	{"a bad byte past the head limit: the limit comes first", "GET / HTTP/1.1\r\n" + host + "X: " + strings.Repeat("v", 120) + "\x01\r\n\r\n", 431, 120, &small},
	{"head over the limit", "GET / HTTP/1.1\r\n" + host + "X: " + strings.Repeat("v", 120) + "\r\n\r\n", 431, 120, &small},

	// Framing: what smuggling is made of.
	{"Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, 45, nil},
	{"two Content-Length fields, same value", "POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400, 45, nil},
	{"a Content-Length list", "POST / HTTP/1.1\r\n" + host + "Content-Length: 3, 3\r\n\r\nabc", 400, 42, nil},
	{"a negative Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n", 400, 42, nil},
	{"a signed Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: +3\r\n\r\nabc", 400, 42, nil},
	{"a hex Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: 0x3\r\n\r\nabc", 400, 42, nil},
	{"an empty Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length:\r\n\r\n", 400, 41, nil},
	{"a Content-Length over the limit", "POST / HTTP/1.1\r\n" + host + "Content-Length: 11\r\n\r\n", 413, 42, &small},
	{"a one-digit Content-Length over a tiny limit", "POST / HTTP/1.1\r\n" + host + "Content-Length: 7\r\n\r\n", 413, 42, &tiny},
	{"a Content-Length that overflows", "POST / HTTP/1.1\r\n" + host + "Content-Length: 99999999999999999999999\r\n\r\n", 413, 42, nil},
	{"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, 17, nil},
	{"chunked not last", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400, 54, nil},
	{"chunked twice", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, chunked\r\n\r\n", 400, 54, nil},
	{"chunked twice, in two fields", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400, 73, nil},
	{"xchunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: xchunked\r\n\r\n", 400, 26, nil},
	{"chunked with a parameter", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked;q=1\r\n\r\n", 400, 52, nil},
	{"an empty Transfer-Encoding after a chunked one", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding:\r\n\r\n", 400, 72, nil},
	{"an empty Transfer-Encoding", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: \r\n\r\n", 400, 45, nil},
	{"a coding we cannot decode", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501, 26, nil},
	{"identity is no longer a coding", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: identity\r\n\r\n", 400, 26, nil},
	{"Transfer-Encoding with space before the colon", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding : chunked\r\n\r\n", 400, 43, nil},

	// The chunked body.
	{"a chunk without a size", chunked("\r\nabc\r\n0\r\n\r\n"), 400, 68, nil},
	{"a chunk size that is not hex", chunked("5g\r\nhello\r\n0\r\n\r\n"), 400, 69, nil},
	{"a chunk size too long", chunked("00000000000000001\r\nx\r\n0\r\n\r\n"), 400, 84, nil},
	{"bare LF after the size", chunked("5\nhello\r\n0\r\n\r\n"), 400, 69, nil},
	{"bare CR after the size", chunked("5\rhello\r\n0\r\n\r\n"), 400, 70, nil},
	{"bare LF after the data", chunked("5\r\nhello\n0\r\n\r\n"), 400, 76, nil},
	{"more data than the size", chunked("3\r\nhello\r\n0\r\n\r\n"), 400, 74, nil},
	{"an extension without ';'", chunked("5 x\r\nhello\r\n0\r\n\r\n"), 400, 70, nil},
	{"a control byte in an extension", chunked("5;a\x01\r\nhello\r\n0\r\n\r\n"), 400, 71, nil},
	{"bare LF in an extension", chunked("5;a\nhello\r\n0\r\n\r\n"), 400, 71, nil},
	{"an extension over the limit", chunked("1;" + strings.Repeat("e", 12) + "\r\nx\r\n0\r\n\r\n"), 400, 82, &small},
	{"chunks over the body limit", chunked("6\r\nabcdef\r\n5\r\nghijk\r\n0\r\n\r\n"), 413, 79, &small},
	{"bare LF ends the body", chunked("0\r\n\n"), 400, 71, nil},
	{"bare LF in a trailer", chunked("0\r\nX: y\n\r\n"), 400, 75, nil},
	{"obs-fold in the trailer", chunked("0\r\nX: y\r\n z\r\n\r\n"), 400, 77, nil},
	{"a trailer over the limit", chunked("0\r\nX: " + strings.Repeat("y", 30) + "\r\n\r\n"), 431, 95, &small},
}

// chunked wraps a chunked body in a 68-byte head that announces it.
func chunked(body string) string {
	return "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nX: padding\r\n\r\n" + body
}

func TestInvalidRequests(t *testing.T) {
	for _, tt := range invalidCases {
		t.Run(tt.name, func(t *testing.T) {
			limits := DefaultLimits()
			if tt.limit != nil {
				limits = *tt.limit
			}
			got := whole(limits, tt.in)
			if got.Err == nil {
				t.Fatalf("accepted, want %d:\n%v", tt.status, got)
			}
			if got.Err.Status != tt.status || (tt.offset >= 0 && got.Err.Offset != tt.offset) {
				t.Fatalf("error %d %q at %d, want %d at %d", got.Err.Status, got.Err.Reason, got.Err.Offset, tt.status, tt.offset)
			}
		})
	}
}

// TestSplitFeedingGivesTheSameResult feeds every case above in two pieces,
// cut at every offset, with and without moving the buffer between reads,
// and one byte at a time: each way must give exactly what feeding the whole
// request gave, errors and their offsets included.
func TestSplitFeedingGivesTheSameResult(t *testing.T) {
	type anyCase struct {
		name, in string
		limit    *Limits
	}
	var cases []anyCase
	for _, c := range validCases {
		cases = append(cases, anyCase{c.name, c.in, c.limit})
	}
	for _, c := range invalidCases {
		cases = append(cases, anyCase{c.name, c.in, c.limit})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			limits := DefaultLimits()
			if c.limit != nil {
				limits = *c.limit
			}
			want := whole(limits, c.in)
			for _, move := range []bool{false, true} {
				for k := 1; k < len(c.in); k++ {
					if got := splitAt(limits, c.in, k, move); !reflect.DeepEqual(got, want) {
						t.Fatalf("split at %d (move=%v):\n%v\nwhole:\n%v", k, move, got, want)
					}
				}
				if got := byteByByte(limits, c.in, move); !reflect.DeepEqual(got, want) {
					t.Fatalf("byte by byte (move=%v):\n%v\nwhole:\n%v", move, got, want)
				}
			}
		})
	}
}
