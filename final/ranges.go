//go:build linux

package main

import (
	"bytes"
	"math"
	"strconv"
)

// Range requests (RFC 9110 §14): a client asks for part of a file, to
// resume a download that broke off (curl -C -) or to seek in a video
// without fetching what comes before. The part is sent with sendfile(2)
// from the offset the range names, so a range costs no more than the bytes
// in it.

// rangeKind is what the server makes of a Range field.
type rangeKind uint8

const (
	rangeIgnored       rangeKind = iota // no range to honour: the whole file, 200
	rangeSatisfiable                    // one range within the file: 206
	rangeUnsatisfiable                  // no byte of it is in the file: 416
)

// byteRange is a part of a file: length bytes from first.
type byteRange struct{ first, length int64 }

// parseRange reads a Range field (RFC 9110 §14.1.2) for a file of size
// bytes. It answers one range, and only one: a request for several
// ("bytes=0-1,5-6") gets the whole file, which §14.2 allows (a server may
// ignore Range). Serving several would mean a multipart/byteranges body
// (§14.6) with its own boundaries and fields around each piece, built in
// memory between sendfile calls; browsers and download tools ask for one.
// A field this server cannot read (another unit, bad syntax, last before
// first) is ignored the same way, as §14.2 asks. An empty file is always
// sent whole: it has no byte a range could name.
func parseRange(value []byte, size int64) (byteRange, rangeKind) {
	unit, set, found := bytes.Cut(value, []byte("="))
	if !found || !equalFold(bytes.TrimSpace(unit), "bytes") || size == 0 {
		return byteRange{}, rangeIgnored
	}
	var spec []byte
	members := 0
	for _, member := range bytes.Split(set, []byte(",")) {
		// 1#range-spec: empty list elements are allowed and mean nothing (§5.6.1).
		if member = bytes.TrimSpace(member); len(member) > 0 {
			spec = member
			members++
		}
	}
	if members != 1 {
		return byteRange{}, rangeIgnored
	}
	firstText, lastText, found := bytes.Cut(spec, []byte("-"))
	if !found {
		return byteRange{}, rangeIgnored
	}
	if len(firstText) == 0 {
		// suffix-range "-N": the last N bytes, or the whole file if it is
		// shorter; "-0" names no byte at all (§14.1.1).
		n, ok := digits(lastText)
		switch {
		case !ok:
			return byteRange{}, rangeIgnored
		case n == 0:
			return byteRange{}, rangeUnsatisfiable
		}
		n = min(n, size)
		return byteRange{size - n, n}, rangeSatisfiable
	}
	first, ok := digits(firstText)
	if !ok {
		return byteRange{}, rangeIgnored
	}
	last := size - 1 // "N-": from N to the end
	if len(lastText) > 0 {
		if last, ok = digits(lastText); !ok || last < first {
			return byteRange{}, rangeIgnored // §14.1.1: an invalid int-range
		}
	}
	if first >= size {
		return byteRange{}, rangeUnsatisfiable
	}
	last = min(last, size-1) // a last-pos past the end means "to the end"
	return byteRange{first, last - first + 1}, rangeSatisfiable
}

// digits reads 1*DIGIT. A number too large for int64 is read as the
// largest one: still a position past the end of any file, which is what
// it means.
func digits(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			n = math.MaxInt64
			continue
		}
		n = n*10 + d
	}
	return n, true
}

// contentRange is the Content-Range of a 206 (RFC 9110 §14.4):
// "bytes first-last/size".
func contentRange(r byteRange, size int64) string {
	return "bytes " + strconv.FormatInt(r.first, 10) + "-" + strconv.FormatInt(r.first+r.length-1, 10) +
		"/" + strconv.FormatInt(size, 10)
}
