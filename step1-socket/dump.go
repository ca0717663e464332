//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
)

// dumpRequest prints the bytes of a request as they arrived, one protocol
// line per output line, with CR and LF spelled \r and \n and any other
// unprintable byte as \xNN, so nothing the client sent is hidden.
func dumpRequest(w io.Writer, data []byte, number int, peer netip.AddrPort, reads int) {
	out := bufio.NewWriter(w)
	fmt.Fprintf(out, "--- request %d from %s: %d bytes in %d %s ---\n", number, peer, len(data), reads, plural(reads, "read", "reads"))
	lineStart := true
	for _, c := range data {
		out.WriteString(visible(c))
		lineStart = c == '\n'
		if lineStart {
			out.WriteByte('\n')
		}
	}
	if !lineStart {
		out.WriteString("(no line end yet)\n")
	}
	fmt.Fprintf(out, "--- end of request %d ---\n", number)
	out.Flush()
}

// visible spells one byte so that it cannot be mistaken for another, and
// so that nothing the client sent can hide: CR, LF, tab and the backslash
// itself by name, other controls and bytes past ASCII as \xNN.
func visible(c byte) string {
	// exercise 1.1 begin: spell out a byte that is not plain text
	switch {
	case c == '\r':
		return `\r`
	case c == '\n':
		return `\n`
	case c == '\t':
		return `\t`
	case c == '\\':
		return `\\`
	case c < 0x20 || c >= 0x7f:
		return fmt.Sprintf(`\x%02x`, c)
	}
	return string(rune(c))
	// exercise 1.1 end
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
