//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"epollhttp/step3-parse/httpparse"
)

// runCommand runs the command in this process with input on stdin.
func runCommand(t *testing.T, input string, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(input), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

func TestJSONOutput(t *testing.T) {
	tests := []struct {
		name, input string
		want        string
		code        int
	}{
		{"one request", "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
			`{"method":"GET","target":"/","version":"HTTP/1.1","headers":[["Host","a"]],"framing":"none","content_length":0,"body":"","keep_alive":true,"consumed":27}` + "\n", 0},
		{"pipelined, with a body in each framing",
			"POST /e HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi" +
				"\r\nPOST /c HTTP/1.0\r\nConnection: keep-alive\r\nContent-Type: <t>\r\nContent-Length: 0\r\n\r\n" +
				"PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nab\r\n1;e\r\nc\r\n0\r\n\r\n",
			`{"method":"POST","target":"/e","version":"HTTP/1.1","headers":[["Host","a"],["Content-Length","2"]],"framing":"length","content_length":2,"body":"hi","keep_alive":true,"consumed":50}` + "\n" +
				`{"method":"POST","target":"/c","version":"HTTP/1.0","headers":[["Connection","keep-alive"],["Content-Type","<t>"],["Content-Length","0"]],"framing":"length","content_length":0,"body":"","keep_alive":true,"consumed":84}` + "\n" +
				`{"method":"PUT","target":"/x","version":"HTTP/1.1","headers":[["Host","a"],["Transfer-Encoding","chunked"],["Connection","close"]],"framing":"chunked","content_length":3,"body":"abc","keep_alive":false,"consumed":95}` + "\n", 0},
		{"a rejected request stops the stream",
			"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET  / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
			`{"method":"GET","target":"/","version":"HTTP/1.1","headers":[["Host","a"]],"framing":"none","content_length":0,"body":"","keep_alive":true,"consumed":27}` + "\n" +
				`{"error":{"status":400,"reason":"one space, and only one, between method and target"},"offset":4}` + "\n", 1},
		{"smuggling: both lengths", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
			`{"error":{"status":400,"reason":"both Content-Length and Transfer-Encoding"},"offset":45}` + "\n", 1},
		{"an incomplete request", "GET / HTTP/1.1\r\nHost: a\r\n",
			`{"incomplete":{"state":"field-start"},"offset":25}` + "\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, feed := range []string{"0", "1", "7"} {
				out, errs, code := runCommand(t, tt.input, "-json", "-feed", feed)
				if out != tt.want || code != tt.code {
					t.Fatalf("-feed %s: exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d:\n%s", feed, code, out, errs, tt.code, tt.want)
				}
			}
		})
	}
}

func TestTextOutput(t *testing.T) {
	out, _, code := runCommand(t, "POST /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 3\r\n\r\nabc")
	want := "request 1 (109 bytes): POST /up HTTP/1.1\n" +
		"  header     Host: a\n" +
		"  header     Expect: 100-continue\n" +
		"  header     Connection: upgrade\n" +
		"  header     Upgrade: h2c\n" +
		"  header     Content-Length: 3\n" +
		"  framing    Content-Length: 3\n" +
		"  body       3 bytes \"abc\"\n" +
		"  keep-alive yes\n" +
		"  expect     100-continue (a server answers 100 Continue before reading the body)\n" +
		"  upgrade    h2c (reported, not performed)\n"
	if out != want || code != 0 {
		t.Fatalf("exit %d, got:\n%s\nwant:\n%s", code, out, want)
	}
	out, _, code = runCommand(t, "GET / HTTP/2.0\r\nHost: a\r\n\r\n")
	if want := "request 1: rejected at byte 6: 505 HTTP Version Not Supported: only HTTP/1.0 and HTTP/1.1 are served\n"; out != want || code != 1 {
		t.Fatalf("exit %d, got %q, want %q", code, out, want)
	}
}

func TestTraceShowsEveryTransition(t *testing.T) {
	out, _, _ := runCommand(t, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "-trace")
	want := []string{
		"        0  'G'  start -> method",
		"        3  SP   method -> target",
		"        5  SP   target -> version",
		"       14  CR   version -> request-line-lf",
		"       15  LF   request-line-lf -> field-start",
		"       16  'H'  field-start -> field-name",
		"       20  ':'  field-name -> field-value",
		"       23  CR   field-value -> field-lf",
		"       24  LF   field-lf -> field-start",
		"       25  CR   field-start -> head-lf",
		"       26  LF   head-lf -> complete",
		"       27       complete -> start",
		"request 1 (27 bytes): GET / HTTP/1.1",
	}
	if got := strings.Split(out, "\n"); len(got) < len(want) || strings.Join(got[:len(want)], "\n") != strings.Join(want, "\n") {
		t.Fatalf("got:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
	// Fed one byte at a time, the parser says where each piece ran out.
	out, _, _ = runCommand(t, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "-trace", "-feed", "10")
	if !strings.Contains(out, "need more bytes (10 so far, in version)") {
		t.Fatalf("no need-more line:\n%s", out)
	}
}

func TestJSONTraceGoesToStderr(t *testing.T) {
	out, errs, _ := runCommand(t, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "-json", "-trace")
	if strings.Contains(out, "->") || !strings.Contains(errs, "start -> method") {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", out, errs)
	}
}

func TestDiagramHasEveryState(t *testing.T) {
	diagram := stateDiagram()
	for s := httpparse.StateStart; s <= httpparse.StateComplete; s++ {
		if !strings.Contains(diagram, " "+id(s)+" ") && !strings.Contains(diagram, " "+id(s)+":") {
			t.Errorf("state %s is not in the diagram", s)
		}
	}
	if out, _, code := runCommand(t, "", "-diagram"); out != diagram || code != 0 {
		t.Fatalf("-diagram printed something else (exit %d)", code)
	}
}

func TestUsageErrors(t *testing.T) {
	if _, _, code := runCommand(t, "", "-nonsense"); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
	if _, _, code := runCommand(t, "", "a", "b"); code != 2 {
		t.Errorf("two files: exit %d, want 2", code)
	}
	if _, errs, code := runCommand(t, "", "/no/such/file"); code != 2 || !strings.Contains(errs, "no such file") {
		t.Errorf("missing file: exit %d, %q", code, errs)
	}
}

// TestCutShortInputExitsOneNamingTheState cuts whole messages at every byte:
// whatever the framing, input that ends inside a head or a body must exit 1
// and say in which parser state it stopped (notes/03-parse.md), never pass
// for a stream that parsed. Each offset runs fed at once, one byte at a
// time and in pieces of 7, in text and in JSON.
func TestCutShortInputExitsOneNamingTheState(t *testing.T) {
	messages := []struct {
		name, in string
		// a few cuts and the state each must name, beside the every-offset check
		states map[int]string
	}{
		{"GET without a body", "GET /x HTTP/1.1\r\nHost: a\r\n\r\n",
			map[int]string{1: "method", 5: "target", 17: "field-start", 28: "head-lf"}},
		{"POST with a Content-Length body", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
			map[int]string{46: "head-lf", 47: "body-length", 49: "body-length", 51: "body-length"}},
		{"POST chunked with a trailer", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5;e=1\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n",
			map[int]string{56: "chunk-size", 58: "chunk-ext", 62: "chunk-size-lf", 63: "chunk-data", 66: "chunk-data",
				68: "chunk-data-cr", 69: "chunk-data-lf", 73: "trailer-start", 75: "trailer-name", 80: "trailer-value",
				82: "trailer-lf", 83: "trailer-start", 84: "trailer-end-lf"}},
	}
	known := map[string]bool{}
	for s := httpparse.StateStart; s < httpparse.StateComplete; s++ {
		known[s.String()] = true
	}
	delete(known, httpparse.StateStart.String()) // a cut inside a message is never at its start
	text := regexp.MustCompile(`^request 1: incomplete: the input ended after (\d+) bytes, in state (\S+)\n$`)
	for _, m := range messages {
		t.Run(m.name, func(t *testing.T) {
			for _, feed := range []string{"0", "1", "7"} {
				if _, _, code := runCommand(t, m.in, "-feed", feed); code != 0 {
					t.Fatalf("-feed %s: the whole message exits %d, want 0", feed, code)
				}
				for cut := 1; cut < len(m.in); cut++ {
					out, errs, code := runCommand(t, m.in[:cut], "-feed", feed)
					match := text.FindStringSubmatch(out)
					if code != 1 || match == nil || match[1] != strconv.Itoa(cut) || !known[match[2]] {
						t.Fatalf("-feed %s, cut at %d of %d: exit %d, stdout %q, stderr %q; want exit 1 and the state named",
							feed, cut, len(m.in), code, out, errs)
					}
					if want, ok := m.states[cut]; ok && match[2] != want {
						t.Errorf("-feed %s, cut at %d: state %s, want %s", feed, cut, match[2], want)
					}
					out, _, code = runCommand(t, m.in[:cut], "-json", "-feed", feed)
					var got struct {
						Incomplete struct{ State string } `json:"incomplete"`
						Offset     int                    `json:"offset"`
					}
					if err := json.Unmarshal([]byte(out), &got); err != nil || code != 1 ||
						got.Incomplete.State != match[2] || got.Offset != cut {
						t.Fatalf("-json -feed %s, cut at %d: exit %d, %q; want exit 1, state %s, offset %d",
							feed, cut, code, out, match[2], cut)
					}
				}
			}
		})
	}
}
