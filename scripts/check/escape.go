package main

import (
	"fmt"
	"strings"
)

// What a failure shows of the bytes on the wire: every byte visible, CR and
// LF spelled \r and \n, one line of the report per line of the protocol, and
// long payloads cut so that a 64 KiB request does not bury the answer.
const (
	showLines    = 14  // lines of one direction of one connection
	showLineRune = 100 // bytes of one line
)

// visible spells b the way the notes print requests: printable ASCII as it
// is, \r \n \t, and \xNN for every other byte, so nothing the server sent
// can hide.
func visible(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		switch {
		case c == '\r':
			s.WriteString(`\r`)
		case c == '\n':
			s.WriteString(`\n`)
		case c == '\t':
			s.WriteString(`\t`)
		case c == '\\':
			s.WriteString(`\\`)
		case c >= 0x20 && c < 0x7f:
			s.WriteByte(c)
		default:
			fmt.Fprintf(&s, `\x%02x`, c)
		}
	}
	return s.String()
}

// visibleLines cuts b after each LF and spells each piece with visible,
// shortening long lines and long payloads. It never returns more than
// showLines+1 lines.
func visibleLines(b []byte) []string {
	var lines []string
	for len(b) > 0 {
		if len(lines) == showLines {
			lines = append(lines, fmt.Sprintf("… (%d more bytes)", len(b)))
			break
		}
		end := len(b)
		for i, c := range b {
			if c == '\n' {
				end = i + 1
				break
			}
		}
		line := b[:end]
		b = b[end:]
		if len(line) > showLineRune {
			lines = append(lines, visible(line[:showLineRune])+fmt.Sprintf("… (%d bytes in this line)", len(line)))
			continue
		}
		lines = append(lines, visible(line))
	}
	return lines
}

// quoted is short in double quotes, for a result line.
func quoted(b []byte, n int) string { return `"` + short(b, n) + `"` }

// short spells b on one line, cut after n bytes.
func short(b []byte, n int) string {
	if len(b) <= n {
		return visible(b)
	}
	return visible(b[:n]) + "…"
}
