//go:build linux

package main

import (
	"bytes"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Static files as browsers and download tools expect them (RFC 9110 §8.8,
// §13, §14): validators on every file, conditional requests answered 304
// or 412, one byte range answered 206, and a directory asked for without
// its slash redirected with its query. Every case is a real request to the
// real command, sent as GET and again as HEAD, which must get the same
// fields without the body.

// staticReply is one response, as it came off the wire.
type staticReply struct {
	status int
	head   string // the status line and fields, as sent
	body   string
}

// field returns the value of the first field called name, or "".
func (r staticReply) field(name string) string {
	for _, line := range strings.Split(r.head, "\r\n")[1:] {
		if n, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(n, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// fieldsBut is the head without the status line and the named fields:
// what GET and HEAD must agree on.
func (r staticReply) fieldsBut(names ...string) string {
	var kept []string
lines:
	for _, line := range strings.Split(r.head, "\r\n")[1:] {
		for _, name := range names {
			if strings.HasPrefix(strings.ToLower(line), strings.ToLower(name)+":") {
				continue lines
			}
		}
		kept = append(kept, line)
	}
	return strings.Join(kept, "\r\n")
}

// ask sends one request with the given fields on a new connection and
// reads the answer until the server closes.
func ask(t *testing.T, addr, method, target string, fields ...string) staticReply {
	t.Helper()
	req := method + " " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
	for _, f := range fields {
		req += f + "\r\n"
	}
	raw := exchange(t, addr, req+"\r\n")
	head, body, ok := strings.Cut(raw, "\r\n\r\n")
	if !ok {
		t.Fatalf("%s %s %q: no complete head in %q", method, target, fields, raw)
	}
	code, _ := strconv.Atoi(strings.Fields(head + " x x")[1])
	return staticReply{status: code, head: head, body: body}
}

// staticFixture is a root with one file of known bytes, last modified at
// a known time long ago, so that its ETag is strong.
func staticFixture(t *testing.T) (root string, modified time.Time) {
	t.Helper()
	root = t.TempDir()
	must(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "sub", "index.html"), []byte("sub index\n"), 0o644))
	file := filepath.Join(root, "hello.txt")
	must(t, os.WriteFile(file, []byte("hello from the root\n"), 0o644))
	modified = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	must(t, os.Chtimes(file, modified, modified))
	return root, modified
}

func TestStaticValidatorsAndRanges(t *testing.T) {
	root, modified := staticFixture(t)
	s := startFinal(t, "-quiet", "-root", root)
	const file = "/static/hello.txt"
	const whole = "hello from the root\n"
	lastModified := "Tue, 02 Jan 2024 03:04:05 GMT"

	plain := ask(t, s.Addr, "GET", file)
	etag := plain.field("ETag")
	if plain.status != 200 || plain.body != whole || !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) ||
		plain.field("Last-Modified") != lastModified || plain.field("Accept-Ranges") != "bytes" ||
		plain.field("Cache-Control") != "no-cache" {
		t.Fatalf("GET %s: want 200, a strong ETag, Last-Modified %s, Accept-Ranges and Cache-Control; got\n%s\n\n%s",
			file, lastModified, plain.head, plain.body)
	}
	day := func(d time.Time, layout string) string { return d.UTC().Format(layout) }
	const rfc850, asctime = "Monday, 02-Jan-06 15:04:05 GMT", "Mon Jan _2 15:04:05 2006"
	before, after := modified.Add(-time.Second), modified.Add(time.Hour)

	tests := []struct {
		name         string
		fields       []string
		status       int
		body         string // for 200 and 206
		contentRange string
	}{
		{"no conditions", nil, 200, whole, ""},
		// RFC 9110 §13.1.2: If-None-Match, weak comparison.
		{"If-None-Match: the tag", []string{"If-None-Match: " + etag}, 304, "", ""},
		{"If-None-Match: the tag, marked weak", []string{"If-None-Match: W/" + etag}, 304, "", ""},
		{"If-None-Match: a list holding the tag", []string{`If-None-Match: "other", ` + etag}, 304, "", ""},
		{"If-None-Match: the tag on a second line", []string{`If-None-Match: "other"`, "If-None-Match: " + etag}, 304, "", ""},
		{"If-None-Match: *", []string{"If-None-Match: *"}, 304, "", ""},
		{"If-None-Match: another tag", []string{`If-None-Match: "other"`}, 200, whole, ""},
		{"If-None-Match: malformed", []string{"If-None-Match: " + strings.Trim(etag, `"`)}, 200, whole, ""},
		// §13.1.3: If-Modified-Since, in each date form of §5.6.7.
		{"If-Modified-Since: Last-Modified", []string{"If-Modified-Since: " + lastModified}, 304, "", ""},
		{"If-Modified-Since: later", []string{"If-Modified-Since: " + day(after, httpDate)}, 304, "", ""},
		{"If-Modified-Since: a second before", []string{"If-Modified-Since: " + day(before, httpDate)}, 200, whole, ""},
		{"If-Modified-Since: RFC 850 form", []string{"If-Modified-Since: " + day(modified, rfc850)}, 304, "", ""},
		{"If-Modified-Since: asctime form", []string{"If-Modified-Since: " + day(modified, asctime)}, 304, "", ""},
		{"If-Modified-Since: not a date", []string{"If-Modified-Since: yesterday"}, 200, whole, ""},
		// §13.2.2: If-None-Match wins over If-Modified-Since.
		{"If-None-Match misses, If-Modified-Since later", []string{`If-None-Match: "other"`, "If-Modified-Since: " + day(after, httpDate)}, 200, whole, ""},
		// §13.1.1, §13.1.4: the guards, answered 412 when they fail.
		{"If-Match: the tag", []string{"If-Match: " + etag}, 200, whole, ""},
		{"If-Match: *", []string{"If-Match: *"}, 200, whole, ""},
		{"If-Match: another tag", []string{`If-Match: "other"`}, 412, "", ""},
		{"If-Match: the tag, weak", []string{"If-Match: W/" + etag}, 412, "", ""},
		{"If-Unmodified-Since: earlier", []string{"If-Unmodified-Since: " + day(before, httpDate)}, 412, "", ""},
		{"If-Unmodified-Since: later", []string{"If-Unmodified-Since: " + day(after, httpDate)}, 200, whole, ""},
		// §14.1.2: one range, in each form.
		{"Range: first-last", []string{"Range: bytes=6-9"}, 206, "from", "bytes 6-9/20"},
		{"Range: first-", []string{"Range: bytes=6-"}, 206, "from the root\n", "bytes 6-19/20"},
		{"Range: last past the end", []string{"Range: bytes=15-1000"}, 206, "root\n", "bytes 15-19/20"},
		{"Range: suffix", []string{"Range: bytes=-5"}, 206, "root\n", "bytes 15-19/20"},
		{"Range: suffix longer than the file", []string{"Range: bytes=-100"}, 206, whole, "bytes 0-19/20"},
		{"Range: spaces and empty members", []string{"Range: bytes= , 6-9 ,"}, 206, "from", "bytes 6-9/20"},
		{"Range: unit in capitals", []string{"Range: BYTES=0-4"}, 206, "hello", "bytes 0-4/20"},
		{"Range: one byte", []string{"Range: bytes=0-0"}, 206, "h", "bytes 0-0/20"},
		{"Range: past the end", []string{"Range: bytes=20-"}, 416, "", "bytes */20"},
		{"Range: an empty suffix", []string{"Range: bytes=-0"}, 416, "", "bytes */20"},
		{"Range: a huge first-pos", []string{"Range: bytes=99999999999999999999999-"}, 416, "", "bytes */20"},
		// §14.2: what this server ignores, answering with the whole file.
		{"Range: several", []string{"Range: bytes=0-1,5-6"}, 200, whole, ""},
		{"Range: last before first", []string{"Range: bytes=9-6"}, 200, whole, ""},
		{"Range: another unit", []string{"Range: items=0-1"}, 200, whole, ""},
		{"Range: not numbers", []string{"Range: bytes=a-b"}, 200, whole, ""},
		{"Range: twice", []string{"Range: bytes=0-1", "Range: bytes=2-3"}, 200, whole, ""},
		// §13.1.5: If-Range, compared strongly.
		{"If-Range: the tag", []string{"If-Range: " + etag, "Range: bytes=6-9"}, 206, "from", "bytes 6-9/20"},
		{"If-Range: another tag", []string{`If-Range: "other"`, "Range: bytes=6-9"}, 200, whole, ""},
		{"If-Range: the tag, weak", []string{"If-Range: W/" + etag, "Range: bytes=6-9"}, 200, whole, ""},
		{"If-Range: Last-Modified", []string{"If-Range: " + lastModified, "Range: bytes=6-9"}, 206, "from", "bytes 6-9/20"},
		{"If-Range: another date", []string{"If-Range: " + day(after, httpDate), "Range: bytes=6-9"}, 200, whole, ""},
		{"If-Range without Range", []string{"If-Range: " + etag}, 200, whole, ""},
		// §13.2.2: conditions come before the range.
		{"If-None-Match and Range", []string{"If-None-Match: " + etag, "Range: bytes=6-9"}, 304, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			get := ask(t, s.Addr, "GET", file, tt.fields...)
			head := ask(t, s.Addr, "HEAD", file, tt.fields...)
			if get.status != tt.status {
				t.Fatalf("status %d, want %d\n%s\n\n%s", get.status, tt.status, get.head, get.body)
			}
			if head.fieldsBut("Date") != get.fieldsBut("Date") || head.status != get.status || head.body != "" {
				t.Errorf("HEAD differs from GET:\nGET:\n%s\nHEAD:\n%s\n\n%q", get.head, head.head, head.body)
			}
			if got := get.field("Content-Range"); got != tt.contentRange {
				t.Errorf("Content-Range %q, want %q", got, tt.contentRange)
			}
			switch tt.status {
			case 200, 206:
				if get.body != tt.body || get.field("Content-Length") != strconv.Itoa(len(tt.body)) {
					t.Errorf("body %q with Content-Length %s, want %q", get.body, get.field("Content-Length"), tt.body)
				}
				if get.field("ETag") != etag || get.field("Last-Modified") != lastModified || get.field("Accept-Ranges") != "bytes" ||
					get.field("Content-Type") != "text/plain; charset=utf-8" {
					t.Errorf("fields of a file missing:\n%s", get.head)
				}
			case 304:
				// RFC 9110 §15.4.5: no body, no Content-Length, the validators repeated.
				if get.body != "" || get.field("Content-Length") != "" || get.field("ETag") != etag ||
					get.field("Last-Modified") != lastModified || get.field("Cache-Control") != "no-cache" {
					t.Errorf("a 304 must repeat the validators and carry no body:\n%s\n\n%q", get.head, get.body)
				}
			case 416:
				if get.field("Accept-Ranges") != "bytes" {
					t.Errorf("a 416 without Accept-Ranges:\n%s", get.head)
				}
			}
		})
	}
}

// A file modified less than a second ago, or "in the future" (a clock set
// back, a copy from another machine), gets a weak ETag: good for a 304,
// never for joining ranges. Its Last-Modified is never later than the
// response's Date (RFC 9110 §8.8.2.1).
func TestStaticFreshFileHasAWeakETag(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "fresh.txt")
	must(t, os.WriteFile(file, []byte("fresh\n"), 0o644))
	future := time.Now().Add(time.Hour)
	must(t, os.Chtimes(file, future, future))
	s := startFinal(t, "-quiet", "-root", root)

	plain := ask(t, s.Addr, "GET", "/static/fresh.txt")
	etag := plain.field("ETag")
	if plain.status != 200 || !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("a file modified in the future: ETag %q, want a weak one\n%s", etag, plain.head)
	}
	date, err1 := time.Parse(httpDate, plain.field("Date"))
	lastModified, err2 := time.Parse(httpDate, plain.field("Last-Modified"))
	if err1 != nil || err2 != nil || lastModified.After(date) {
		t.Errorf("Last-Modified %q after Date %q", plain.field("Last-Modified"), plain.field("Date"))
	}
	if r := ask(t, s.Addr, "GET", "/static/fresh.txt", "If-None-Match: "+etag); r.status != 304 {
		t.Errorf("If-None-Match with the weak tag: %d, want 304", r.status)
	}
	if r := ask(t, s.Addr, "GET", "/static/fresh.txt", "If-Range: "+strings.TrimPrefix(etag, "W/"), "Range: bytes=0-1"); r.status != 200 || r.body != "fresh\n" {
		t.Errorf("If-Range with a weak tag's value: %d %q, want the whole file", r.status, r.body)
	}
}

// A large range goes out through sendfile(2) from its offset: the bytes
// are those of the file at that place, across many sendfile calls.
func TestStaticLargeRangeIsTheFilesBytes(t *testing.T) {
	root := t.TempDir()
	data := make([]byte, 3<<20)
	rand.Read(data)
	must(t, os.WriteFile(filepath.Join(root, "big.bin"), data, 0o644))
	s := startFinal(t, "-quiet", "-loops", "1", "-root", root)
	first, last := 1<<20+12345, 3<<20-7
	r := ask(t, s.Addr, "GET", "/static/big.bin", "Range: bytes="+strconv.Itoa(first)+"-"+strconv.Itoa(last))
	if r.status != 206 || r.body != string(data[first:last+1]) {
		t.Fatalf("a 2 MB range: %d, %d bytes, want 206 and the file's bytes %d to %d", r.status, len(r.body), first, last)
	}
}

// A directory, or /static itself, asked for without its slash is
// redirected to the same path with the slash, the query kept.
func TestStaticRedirectsKeepTheQuery(t *testing.T) {
	root, _ := staticFixture(t)
	s := startFinal(t, "-quiet", "-root", root)
	for _, tt := range []struct{ target, location string }{
		{"/static", "/static/"},
		{"/static?x=1&y=2", "/static/?x=1&y=2"},
		{"/static/sub", "/static/sub/"},
		{"/static/sub?page=2", "/static/sub/?page=2"},
		{"http://t/static/sub?page=2", "/static/sub/?page=2"},
	} {
		for _, method := range []string{"GET", "HEAD"} {
			r := ask(t, s.Addr, method, tt.target)
			if r.status != 301 || r.field("Location") != tt.location {
				t.Errorf("%s %s: %d Location %q, want 301 %q", method, tt.target, r.status, r.field("Location"), tt.location)
			}
		}
	}
	if r := ask(t, s.Addr, "POST", "/static"); r.status != 405 || r.field("Allow") != "GET, HEAD, OPTIONS" {
		t.Errorf("POST /static: %d Allow %q, want 405 like /static/", r.status, r.field("Allow"))
	}
	if r := ask(t, s.Addr, "GET", "/staticx"); r.status != 404 {
		t.Errorf("GET /staticx: %d, want 404", r.status)
	}
}

// curl, a real client, revalidates (-z, If-None-Match) and resumes a
// download that broke off (-C -: it asks for the bytes after those it has).
func TestStaticWithCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	root, _ := staticFixture(t)
	data := make([]byte, 1<<20)
	rand.Read(data)
	must(t, os.WriteFile(filepath.Join(root, "download.bin"), data, 0o644))
	s := startFinal(t, "-quiet", "-root", root)
	base := "http://" + s.Addr + "/static/"
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(curl, append([]string{"-s", "--max-time", "30"}, args...)...).Output()
		if err != nil {
			t.Fatalf("curl %q: %v", args, err)
		}
		return string(out)
	}

	// -z DATE sends If-Modified-Since.
	if got := run("-w", "%{http_code}", "-z", "Tue, 02 Jan 2024 03:04:05 GMT", base+"hello.txt"); got != "304" {
		t.Errorf("curl -z Last-Modified: %q, want 304 and no body", got)
	}
	if got := run("-w", " %{http_code}", "-z", "Mon, 01 Jan 2024 00:00:00 GMT", base+"hello.txt"); got != "hello from the root\n 200" {
		t.Errorf("curl -z an earlier date: %q, want the file", got)
	}
	// If-None-Match with the ETag curl saved (--etag-save, --etag-compare).
	etagFile := filepath.Join(t.TempDir(), "etag")
	run("-o", "/dev/null", "--etag-save", etagFile, base+"hello.txt")
	if got := run("-w", "%{http_code}", "--etag-compare", etagFile, base+"hello.txt"); got != "304" {
		t.Errorf("curl --etag-compare: %q, want 304", got)
	}

	// A download cut short after 300000 bytes, resumed with -C -.
	partial := filepath.Join(t.TempDir(), "download.bin")
	must(t, os.WriteFile(partial, data[:300000], 0o644))
	if got := run("-C", "-", "-o", partial, "-w", "%{http_code} %{size_download}", base+"download.bin"); got != "206 "+strconv.Itoa(len(data)-300000) {
		t.Errorf("curl -C -: %q, want 206 and the rest", got)
	}
	if got, _ := os.ReadFile(partial); !bytes.Equal(got, data) {
		t.Errorf("the resumed download differs from the file (%d bytes, want %d)", len(got), len(data))
	}
}
