package httpparse

import (
	"strings"
	"testing"
)

// Every byte, at every place of a value, is judged as isValueChar judges
// it alone.
func TestValidFieldValueAgreesWithTheTable(t *testing.T) {
	for c := 0; c < 256; c++ {
		for at := 0; at < 19; at++ {
			v := []byte(strings.Repeat("a", 19))
			v[at] = byte(c)
			if got, want := ValidFieldValue(string(v)), isValueChar[c]; got != want {
				t.Fatalf("byte %#x at %d of %q: ValidFieldValue = %v, want %v", c, at, v, got, want)
			}
		}
	}
	for _, v := range []string{"", "text/plain; charset=utf-8", "a\tb\tc\td\te\tf\tg\th\ti", "caf\xc3\xa9 and more bytes"} {
		if !ValidFieldValue(v) {
			t.Errorf("ValidFieldValue(%q) = false, want true", v)
		}
	}
	// A forbidden byte after an allowed control (a tab) is still found.
	if ValidFieldValue("a\tbcdefghijklmnop\r\nInjected: yes") {
		t.Error("a CR LF after a tab was let through")
	}
}

func BenchmarkValidFieldValue(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if !ValidFieldValue("text/plain; charset=utf-8") {
			b.Fatal("refused")
		}
	}
}
