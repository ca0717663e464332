package httpparse

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// The eight-byte tests of swar.go must find exactly the byte the tables of
// chars.go would stop at, a byte at a time: the first marked byte of a word
// is its first byte outside the class, whatever the other seven hold.

// firstStop is what a byte-at-a-time scan finds: the index of the first
// byte of w that stops, or 8.
func firstStop(w [8]byte, stops func(byte) bool) int {
	for k, c := range w {
		if stops(c) {
			return k
		}
	}
	return 8
}

func checkWord(t *testing.T, name string, w [8]byte, test func(uint64) uint64, stops func(byte) bool) {
	t.Helper()
	want := firstStop(w, stops)
	m := test(binary.LittleEndian.Uint64(w[:]))
	got := 8
	if m != 0 {
		got = first(m)
	}
	if got != want {
		t.Fatalf("%s(% x): first stop at %d, want %d", name, w, got, want)
	}
}

func TestStopsMatchTheTables(t *testing.T) {
	classes := []struct {
		name  string
		test  func(uint64) uint64
		stops func(byte) bool
	}{
		{"valueStops", valueStops, func(c byte) bool { return !isValueChar[c] || c == '\t' }},
		{"targetStops", targetStops, func(c byte) bool { return !isTargetChar[c] }},
	}
	for _, class := range classes {
		// Every byte at every place, behind every byte that does not stop
		// (0xff and 0x80 make the carries and borrows the tests must contain).
		for k := range 8 {
			for c := range 256 {
				for filler := range 256 {
					if class.stops(byte(filler)) {
						continue
					}
					var w [8]byte
					for i := range w {
						w[i] = byte(filler)
					}
					w[k] = byte(c)
					checkWord(t, class.name, w, class.test, class.stops)
				}
			}
		}
		// Words of bytes drawn at random, stops among them.
		r := rand.New(rand.NewPCG(1, 2))
		for range 200_000 {
			var w [8]byte
			for i := range w {
				w[i] = byte(r.IntN(256))
			}
			checkWord(t, class.name, w, class.test, class.stops)
		}
	}
}

func TestByteTestsMarkTheFirstMatch(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 100_000 {
		var w [8]byte
		for i := range w {
			w[i] = byte(r.IntN(256))
		}
		n := byte(r.IntN(0x81)) // below: n at most 0x80
		a := byte(r.IntN(0x80)) // above: n below 0x80
		e := byte(r.IntN(256))  // equal: any byte
		checkWord(t, "below", w, func(x uint64) uint64 { return below(x, n) }, func(c byte) bool { return c < n })
		checkWord(t, "above", w, func(x uint64) uint64 { return above(x, a) }, func(c byte) bool { return c > a })
		checkWord(t, "equal", w, func(x uint64) uint64 { return equal(x, e) }, func(c byte) bool { return c == e })
	}
}
