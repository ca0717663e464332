//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"epollhttp/step3-parse/httpparse"
)

// printer writes what the parser found, as text for a person or as one JSON
// object per line for a program (notes/03-parse.md shows both shapes).
type printer struct {
	w     io.Writer
	json  bool
	trace io.Writer // nil: no trace
}

// jsonRequest is one parsed request; the field order is the order printed.
type jsonRequest struct {
	Method        string      `json:"method"`
	Target        string      `json:"target"`
	Version       string      `json:"version"`
	Headers       [][2]string `json:"headers"`
	Framing       string      `json:"framing"`
	ContentLength int         `json:"content_length"`
	Body          string      `json:"body"`
	KeepAlive     bool        `json:"keep_alive"`
	Consumed      int         `json:"consumed"`
}

type jsonError struct {
	Error struct {
		Status int    `json:"status"`
		Reason string `json:"reason"`
	} `json:"error"`
	Offset int `json:"offset"`
}

// request prints one complete request. content_length is the number of body
// bytes: the Content-Length for "length", the decoded size for "chunked".
func (pr *printer) request(n int, r *httpparse.Request, body []byte, consumed int) {
	if pr.json {
		out := jsonRequest{
			Method: string(r.Method), Target: string(r.Target), Version: string(r.Version),
			Headers: [][2]string{}, Framing: r.Framing.String(), ContentLength: len(body),
			Body: string(body), KeepAlive: r.KeepAlive, Consumed: consumed,
		}
		for _, h := range r.Headers {
			out.Headers = append(out.Headers, [2]string{string(h.Name), string(h.Value)})
		}
		pr.printJSON(out)
		return
	}
	fmt.Fprintf(pr.w, "request %d (%d bytes): %s %s %s\n", n, consumed, r.Method, r.Target, r.Version)
	for _, h := range r.Headers {
		fmt.Fprintf(pr.w, "  header     %s: %s\n", h.Name, quoteIfOdd(h.Value))
	}
	switch r.Framing {
	case httpparse.FramingNone:
		fmt.Fprintf(pr.w, "  framing    none (no body)\n")
	case httpparse.FramingLength:
		fmt.Fprintf(pr.w, "  framing    Content-Length: %d\n", r.ContentLength)
	case httpparse.FramingChunked:
		fmt.Fprintf(pr.w, "  framing    chunked\n")
	}
	if r.Framing != httpparse.FramingNone {
		fmt.Fprintf(pr.w, "  body       %d bytes %s\n", len(body), strconv.Quote(string(body)))
	}
	fmt.Fprintf(pr.w, "  keep-alive %s\n", yesNo(r.KeepAlive))
	switch r.Expect {
	case httpparse.ExpectContinue:
		fmt.Fprintf(pr.w, "  expect     100-continue (a server answers 100 Continue before reading the body)\n")
	case httpparse.ExpectUnknown:
		fmt.Fprintf(pr.w, "  expect     unknown (a server answers 417 Expectation Failed)\n")
	}
	if r.Upgrade != nil {
		fmt.Fprintf(pr.w, "  upgrade    %s (reported, not performed)\n", r.Upgrade)
	}
}

func (pr *printer) rejected(n int, e *httpparse.Error) {
	if pr.json {
		var out jsonError
		out.Error.Status, out.Error.Reason, out.Offset = e.Status, e.Reason, e.Offset
		pr.printJSON(out)
		return
	}
	fmt.Fprintf(pr.w, "request %d: rejected at byte %d: %d %s: %s\n", n, e.Offset, e.Status, httpparse.StatusText(e.Status), e.Reason)
}

// incomplete reports input that ended in the middle of a request.
func (pr *printer) incomplete(n int, state httpparse.State, got int) {
	if pr.json {
		pr.printJSON(map[string]any{"incomplete": map[string]any{"state": state.String()}, "offset": got})
		return
	}
	fmt.Fprintf(pr.w, "request %d: incomplete: the input ended after %d bytes, in state %s\n", n, got, state)
}

// needMore shows, when tracing, where a piece of input ran out.
func (pr *printer) needMore(state httpparse.State, got int) {
	if pr.trace != nil {
		fmt.Fprintf(pr.trace, "      ...  need more bytes (%d so far, in %s)\n", got, state)
	}
}

// transition prints one state change and the byte that caused it (rest
// starts at that byte; it is empty when the change came at the end).
func (pr *printer) transition(from, to httpparse.State, offset int, rest []byte) {
	if pr.trace == nil {
		return
	}
	shown := "    "
	if len(rest) > 0 {
		shown = fmt.Sprintf("%-4s", byteName(rest[0]))
	}
	fmt.Fprintf(pr.trace, "%9d  %s %s -> %s\n", offset, shown, from, to)
}

func (pr *printer) printJSON(v any) {
	enc := json.NewEncoder(pr.w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// byteName spells a byte the way the note talks about it.
func byteName(c byte) string {
	switch c {
	case ' ':
		return "SP"
	case '\t':
		return "HT"
	case '\r':
		return "CR"
	case '\n':
		return "LF"
	}
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("%#02x", c)
	}
	return "'" + string(rune(c)) + "'"
}

// quoteIfOdd shows a value as is, or quoted when it holds bytes a terminal
// would not show plainly.
func quoteIfOdd(v []byte) string {
	for _, c := range v {
		if c < 0x20 || c >= 0x7f {
			return strconv.Quote(string(v))
		}
	}
	if bytes.TrimSpace(v) == nil || len(v) == 0 {
		return `""`
	}
	return string(v)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
