//go:build linux

package main

import (
	"fmt"
	"sort"
	"strings"

	"epollhttp/step3-parse/httpparse"
)

// diagramSamples are requests chosen so that, together, they take every
// transition the parser has. The diagram is drawn from what the parser
// actually does with them, so it cannot drift from the code; a test checks
// that every state appears in it.
var diagramSamples = []string{
	"\r\n\nGET /a%20b HTTP/1.1\r\nHost: a\r\nX-Empty:\r\n\r\n",
	"GET / HTTP/1.0\nAccept: */*\n\n",
	"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
	"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"3;ext=1\r\nabc\r\n2 ;x\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n",
}

type edge struct{ from, to httpparse.State }

// stateDiagram returns a Mermaid state diagram of the parser.
func stateDiagram() string {
	labels := map[edge]map[string]bool{}
	for _, sample := range diagramSamples {
		in := []byte(sample)
		p := httpparse.New(httpparse.DefaultLimits())
		consumed := 0 // bytes of in before the current message
		p.Trace = func(from, to httpparse.State, offset int) {
			e := edge{from, to}
			if labels[e] == nil {
				labels[e] = map[string]bool{}
			}
			labels[e][edgeLabel(from, to, in, consumed+offset)] = true
		}
		for start := 0; start < len(in) || p.State() != httpparse.StateStart; {
			step, err := p.Parse(in[start:])
			if err != nil {
				panic(fmt.Sprintf("diagram sample %q: %v", sample, err))
			}
			start += step.Consumed
			if step.Kind == httpparse.Done {
				consumed = start
			}
			if step.Kind == httpparse.NeedMore && step.Consumed == 0 {
				break
			}
		}
	}
	var edges []edge
	for e := range labels {
		edges = append(edges, e)
	}
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].from != edges[j].from {
			return edges[i].from < edges[j].from
		}
		return edges[i].to < edges[j].to
	})
	var out strings.Builder
	out.WriteString("stateDiagram-v2\n    [*] --> start\n")
	for _, e := range edges {
		var names []string
		for l := range labels[e] {
			names = append(names, l)
		}
		sort.Strings(names)
		fmt.Fprintf(&out, "    %s --> %s: %s\n", id(e.from), id(e.to), strings.Join(names, " or "))
	}
	return out.String()
}

// edgeLabel names what moves the parser from one state to the next: the
// class of the byte at offset, or what happened when no byte did.
func edgeLabel(from, to httpparse.State, in []byte, offset int) string {
	switch {
	case to == httpparse.StateStart && from == httpparse.StateComplete:
		return "next request"
	case to == httpparse.StateBodyLength:
		return "LF: end of head, Content-Length"
	case to == httpparse.StateChunkSize && from != httpparse.StateChunkDataLF:
		return "LF: end of head, chunked"
	case from == httpparse.StateTrailerEndLF:
		return "LF: end of message"
	case to == httpparse.StateComplete && from != httpparse.StateBodyLength:
		return "LF: end of head, no body"
	case to == httpparse.StateChunkData:
		return "LF, size > 0"
	case to == httpparse.StateTrailerStart && from == httpparse.StateChunkSizeLF:
		return "LF, size 0"
	case from == httpparse.StateChunkData:
		return "size bytes read"
	case to == httpparse.StateComplete && from == httpparse.StateBodyLength:
		return "length bytes read"
	case offset >= len(in):
		return "end"
	}
	c := in[offset]
	switch {
	case c == ' ':
		return "SP"
	case c == '\t':
		return "HT"
	case c == '\r':
		return "CR"
	case c == '\n':
		return "LF"
	case c == ';':
		return "semicolon" // Mermaid would read a bare ; as the end of a line
	case c == ':' || c == '%':
		return "'" + string(c) + "'"
	case from == httpparse.StateStart || from == httpparse.StateFieldStart || from == httpparse.StateTrailerStart:
		return "token char"
	}
	return fmt.Sprintf("%q", c)
}

// id makes a state name usable as a Mermaid identifier.
func id(s httpparse.State) string { return strings.ReplaceAll(s.String(), "-", "_") }
