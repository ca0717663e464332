package main

import (
	"errors"
	"strings"
	"testing"
)

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name, in, method string
		atEOF            bool
		body, framing    string // when it parses
		err              string // a piece of the error, when it does not
	}{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiEXTRA", "GET", false, "hi", "Content-Length", ""},
		{"no reason", "HTTP/1.1 204 \r\n\r\n", "GET", false, "", "none", ""},
		{"fields in any order, any case", "HTTP/1.1 200 x\r\ncontent-LENGTH: 1\r\nDate: x\r\n\r\n!", "GET", false, "!", "Content-Length", ""},
		{"chunked with extension and trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a=b\r\nhi\r\n0\r\nT: 1\r\n\r\n", "GET", false, "hi", "chunked", ""},
		{"to the close", "HTTP/1.1 200 OK\r\n\r\nall of it", "GET", true, "all of it", "close", ""},
		{"HEAD has no body", "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n", "HEAD", false, "", "none", ""},
		{"incomplete head", "HTTP/1.1 200 OK\r\nContent-Le", "GET", false, "", "", "incomplete"},
		{"incomplete body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhi", "GET", false, "", "", "incomplete"},
		{"body cut by the close", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhi", "GET", true, "", "", "closed after 2 of the 5 body bytes"},
		{"bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", "GET", false, "", "", "bare LF"},
		{"HTTP/1.0", "HTTP/1.0 200 OK\r\n\r\n", "GET", true, "", "", `says "HTTP/1.0"`},
		{"no space after the code", "HTTP/1.1 200\r\n\r\n", "GET", true, "", "", "SP 3DIGIT SP"},
		{"not a status line", "hello\r\n\r\n", "GET", true, "", "", "not a status line"},
		{"obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", "GET", true, "", "", "obs-fold"},
		{"space before colon", "HTTP/1.1 200 OK\r\nX : a\r\n\r\n", "GET", true, "", "", "not a token character"},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", "GET", false, "", "", "2 Content-Length fields"},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx", "GET", false, "", "", "not a number of bytes"},
		{"both framings", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "GET", false, "", "", "both Transfer-Encoding and Content-Length"},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "GET", false, "", "", "not hex digits"},
		{"chunk without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhix\r\n0\r\n\r\n", "GET", false, "", "", "not followed by CRLF"},
	}
	for _, tt := range tests {
		r, err := parseResponse([]byte(tt.in), tt.method, tt.atEOF)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want one saying %q", tt.name, err, tt.err)
			}
			if tt.err == "incomplete" && !errors.Is(err, errIncomplete) {
				t.Errorf("%s: %v is not errIncomplete", tt.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if string(r.body) != tt.body || r.framing != tt.framing {
			t.Errorf("%s: body %q framing %s, want %q %s", tt.name, r.body, r.framing, tt.body, tt.framing)
		}
	}
}

func TestVisibleShowsEveryByte(t *testing.T) {
	got := visible([]byte("GET /\r\n\t\x00\xff\\"))
	if want := `GET /\r\n\t\x00\xff\\`; got != want {
		t.Errorf("visible = %s, want %s", got, want)
	}
	lines := visibleLines([]byte("a\r\nb\r\n" + strings.Repeat("x", 300)))
	if len(lines) != 3 || lines[0] != `a\r\n` || !strings.Contains(lines[2], "(300 bytes in this line)") {
		t.Errorf("visibleLines = %q", lines)
	}
}
