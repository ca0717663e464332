//go:build linux

package main

import (
	"strings"
	"testing"
)

// TestVisibleHidesNothing pins the rule of the dump: a printable ASCII byte
// stands for itself, and every other byte (the backslash included, or
// "\x01" sent as text would look like the byte 1) is spelled with a
// backslash, so a line of the dump reads back as exactly the bytes sent.
func TestVisibleHidesNothing(t *testing.T) {
	named := map[byte]string{'\r': `\r`, '\n': `\n`, '\t': `\t`, '\\': `\\`, 0: `\x00`, 0x7f: `\x7f`, 0xff: `\xff`}
	for c := 0; c < 256; c++ {
		b := byte(c)
		got := visible(b)
		switch want, ok := named[b]; {
		case ok && got != want:
			t.Errorf("visible(%#02x) = %q, want %q", b, got, want)
		case b >= 0x20 && b < 0x7f && b != '\\' && got != string(rune(b)):
			t.Errorf("visible(%q) = %q, want the byte itself", b, got)
		case (b < 0x20 || b >= 0x7f) && !strings.HasPrefix(got, `\`):
			t.Errorf("visible(%#02x) = %q: a byte that is not text must be spelled with a backslash", b, got)
		}
		for _, r := range got {
			if r < 0x20 || r >= 0x7f {
				t.Errorf("visible(%#02x) = %q, which is not plain text itself", b, got)
			}
		}
	}
}
