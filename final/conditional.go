//go:build linux

package main

import (
	"bytes"
	"strconv"
	"time"

	"epollhttp/final/server"

	"golang.org/x/sys/unix"
)

// Validators and conditional requests (RFC 9110 §8.8, §13): what lets a
// browser ask "has this file changed since my copy?" and get a 304 with no
// body instead of the whole file again, and lets a download tool resume a
// file only if it is still the one it began.

// validators describe one version of a file.
//
// The ETag is made of the file's inode, size and modification time (to the
// nanosecond), and it is strong (RFC 9110 §8.8.1) once the file was last
// modified at least a second ago, weak before that. A strong tag promises
// that two responses with it have the same bytes, which is what lets a
// client join ranges fetched at different times (If-Range, §13.1.5). The
// modification time is the kernel's coarse clock, read once per tick (a
// few milliseconds): a file written twice within one tick, to the same
// size, keeps its time and tag although its bytes changed. Once a second
// has passed, a new write gets a new time, so the tag can be trusted;
// until then it is marked weak, good enough for a 304 (If-None-Match
// compares weakly) and never used to join ranges. This is the rule the
// Apache server has long applied. The inode catches a file replaced by a
// rename that kept its size and time (rsync -t, cp -p then mv). What no
// tag made from metadata catches is someone setting the old time back on
// changed bytes of the same size (touch -d); hashing every file's content
// would, at the price of reading it.
type validators struct {
	etag         []byte // as sent: "…" or W/"…"
	opaque       []byte // the tag without W/, quotes included: what comparisons look at
	strong       bool
	modified     int64  // Last-Modified, in seconds since the epoch
	lastModified []byte // as sent, an IMF-fixdate
	buf          [128]byte
}

// httpDate is the IMF-fixdate layout (RFC 9110 §5.6.7), always in GMT.
const httpDate = "Mon, 02 Jan 2006 15:04:05 GMT"

// of fills v from a file's status, as of now.
func (v *validators) of(st *unix.Stat_t, now time.Time) {
	mtime := time.Unix(st.Mtim.Sec, st.Mtim.Nsec)
	v.strong = now.Sub(mtime) >= time.Second
	b := v.buf[:0]
	if !v.strong {
		b = append(b, "W/"...)
	}
	tagStart := len(b)
	b = append(b, '"')
	b = strconv.AppendUint(b, st.Ino, 16)
	b = append(b, '-')
	b = strconv.AppendInt(b, st.Size, 16)
	b = append(b, '-')
	b = strconv.AppendInt(b, mtime.UnixNano(), 16)
	b = append(b, '"')
	v.etag, v.opaque = b, b[tagStart:]
	// §8.8.2.1: a modification time in the future (a clock set back, a
	// file copied from elsewhere) is sent as now.
	v.modified = min(mtime.Unix(), now.Unix())
	dateStart := len(b)
	b = time.Unix(v.modified, 0).UTC().AppendFormat(b, httpDate)
	v.lastModified = b[dateStart:]
}

// set adds the validators to a response, with Cache-Control: no-cache,
// which lets a browser keep the file but makes it ask (If-None-Match)
// before each use (RFC 9111 §5.2.2.4). Without it a browser guesses how
// long a copy stays fresh from its age (RFC 9111 §4.2.2) and may use it
// without asking: a teacher who edits a file would not see the change.
func (v *validators) set(w *server.ResponseWriter) {
	w.SetHeaderBytes("ETag", v.etag)
	w.SetHeaderBytes("Last-Modified", v.lastModified)
	w.SetHeader("Cache-Control", "no-cache")
}

// precondition evaluates a GET's conditional fields in the order of RFC
// 9110 §13.2.2 and returns the status that ends the request there: 412
// when a guard the client set fails (If-Match, If-Unmodified-Since), 304
// when the client's copy is current (If-None-Match, If-Modified-Since), or
// 0 to go on. Each If-…-Since is looked at only without its tag-based
// partner, which is the more precise.
func precondition(r *server.Request, v *validators) int {
	if fieldCount(r, "If-Match") > 0 {
		if !anyTagMatches(r, "If-Match", v, true) {
			return 412
		}
	} else if since, ok := dateField(r, "If-Unmodified-Since"); ok && v.modified > since {
		return 412
	}
	if fieldCount(r, "If-None-Match") > 0 {
		if anyTagMatches(r, "If-None-Match", v, false) {
			return 304
		}
	} else if since, ok := dateField(r, "If-Modified-Since"); ok && v.modified <= since {
		return 304
	}
	return 0
}

// rangeApplies evaluates If-Range (RFC 9110 §13.1.5): a Range is honoured
// only if the client's validator still names this version, compared
// strongly: an entity-tag equal to our strong one, or a date equal to our
// Last-Modified while that is a strong validator. Otherwise the client
// gets the whole file, not a piece of a version it does not have.
func rangeApplies(r *server.Request, v *validators) bool {
	value, n := onlyField(r, "If-Range")
	switch {
	case n == 0:
		return true
	case n > 1 || len(value) == 0:
		return false
	}
	if value[0] == '"' || bytes.HasPrefix(value, []byte("W/")) {
		opaque, weak, rest, ok := nextTag(value)
		return ok && len(skipListSeparators(rest)) == 0 && !weak && v.strong && bytes.Equal(opaque, v.opaque)
	}
	date, ok := parseHTTPDate(value)
	return ok && v.strong && date == v.modified
}

// anyTagMatches reads the list of entity-tags in every line of the field
// name ("*", or tags separated by commas, RFC 9110 §13.1.1, §13.1.2) and
// reports whether one matches v: strong comparison wants both tags strong
// and equal, weak comparison only equal (§8.8.3.2). A malformed member
// ends the list: what follows it cannot be trusted to mean anything.
func anyTagMatches(r *server.Request, name string, v *validators, strong bool) bool {
	for _, h := range r.Headers {
		if !equalFold(h.Name, name) {
			continue
		}
		if string(bytes.TrimSpace(h.Value)) == "*" {
			return true // any current version: the file exists
		}
		list := h.Value
		for {
			opaque, weak, rest, ok := nextTag(list)
			if !ok {
				break
			}
			if bytes.Equal(opaque, v.opaque) && (!strong || (!weak && v.strong)) {
				return true
			}
			list = rest
		}
	}
	return false
}

// nextTag takes the first entity-tag off a list (RFC 9110 §8.8.3:
// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE), after any commas and spaces
// before it (§5.6.1). ok is false at the end of the list or at a
// malformed member.
func nextTag(list []byte) (opaque []byte, weak bool, rest []byte, ok bool) {
	list = skipListSeparators(list)
	if bytes.HasPrefix(list, []byte("W/")) {
		weak, list = true, list[2:]
	}
	if len(list) < 2 || list[0] != '"' {
		return nil, false, nil, false
	}
	end := bytes.IndexByte(list[1:], '"') + 1
	if end == 0 {
		return nil, false, nil, false
	}
	for _, c := range list[1:end] {
		if c < 0x21 || c == 0x7f { // etagc: visible characters but DQUOTE, and obs-text
			return nil, false, nil, false
		}
	}
	rest = list[end+1:]
	if len(rest) > 0 && rest[0] != ',' && rest[0] != ' ' && rest[0] != '\t' {
		return nil, false, nil, false
	}
	return list[:end+1], weak, rest, true
}

func skipListSeparators(b []byte) []byte {
	for len(b) > 0 && (b[0] == ',' || b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

// dateField reads a field whose value is one HTTP-date. A field that is
// absent, repeated or not a date is ignored (RFC 9110 §13.1.3, §13.1.4).
func dateField(r *server.Request, name string) (int64, bool) {
	value, n := onlyField(r, name)
	if n != 1 {
		return 0, false
	}
	return parseHTTPDate(value)
}

// parseHTTPDate accepts the three forms RFC 9110 §5.6.7 asks a recipient
// to read: the IMF-fixdate every sender should use, and the obsolete RFC
// 850 and asctime forms. It returns seconds since the epoch.
func parseHTTPDate(value []byte) (int64, bool) {
	s := string(bytes.TrimSpace(value))
	for _, layout := range [...]string{httpDate, "Monday, 02-Jan-06 15:04:05 GMT", "Mon Jan _2 15:04:05 2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Unix(), true
		}
	}
	return 0, false
}

// onlyField returns the value of a field that may appear once, and how
// many lines of it the request has.
func onlyField(r *server.Request, name string) ([]byte, int) {
	var value []byte
	n := 0
	for _, h := range r.Headers {
		if equalFold(h.Name, name) {
			value = h.Value
			n++
		}
	}
	return value, n
}

func fieldCount(r *server.Request, name string) int {
	_, n := onlyField(r, name)
	return n
}

// equalFold compares a field name, which is case-insensitive (RFC 9110
// §5.1), with an ASCII name.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != s[i]|0x20 {
			return false
		}
	}
	return true
}
