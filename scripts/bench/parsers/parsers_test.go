package parsers

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"epollhttp/step3-parse/httpparse"

	"github.com/valyala/fasthttp"
)

// The two heads of step3-parse/httpparse's own benchmark, read from the
// files it reads them from, so that the figures of both benchmarks can be
// read together: what curl sends (3 fields, 87 bytes), and what a browser
// sends for a stylesheet (15 fields, 606 bytes).
var (
	curlRequest    = readHead("curl.http")
	browserRequest = readHead("browser.http")
)

// readHead reads a head from step 3's testdata; the module's replace
// directive already points at that directory.
func readHead(name string) string {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "step3-parse", "httpparse", "testdata", name))
	if err != nil {
		panic(err)
	}
	return string(b)
}

var inputs = []struct{ name, head string }{
	{"curl", curlRequest},
	{"browser", browserRequest},
}

// A parser, as a server uses it: each call reads one whole head from the
// same bytes and returns how many fields it found. Each keeps what it
// reuses between calls (a Parser, a RequestHeader, a bufio.Reader) in the
// closure, as a server keeps it per connection.
type parser struct {
	name string
	make func(head []byte) func() (int, error)
}

// fasthttp comes first: benchstat gives every column's time as a ratio of
// the first column's, and the target is step 3 at half fasthttp's time
// or less (-50% in step3's column).
var parsers = []parser{
	{"fasthttp", fasthttpParser},
	{"step3", step3Parser},
	{"nethttp", nethttpParser},
}

// step3Parser copies the head into a buffer of its own, as read(2) does
// into the final server's read buffer (the other two parsers copy it into
// a bufio.Reader's), and parses it there: the head, then the Done step of
// a request without a body, so the parser is ready for the next request.
func step3Parser(head []byte) func() (int, error) {
	p := httpparse.New(httpparse.DefaultLimits())
	buf := make([]byte, len(head))
	return func() (int, error) {
		copy(buf, head)
		step, err := p.Parse(buf)
		if err != nil {
			return 0, err
		}
		n := len(p.Request().Headers)
		if _, err := p.Parse(buf[step.Consumed:]); err != nil {
			return 0, err
		}
		return n, nil
	}
}

// fasthttpParser reads through a bufio.Reader, the only way
// RequestHeader.Read takes its input; the reader is reset over the same
// bytes each time, as a fasthttp server reuses one per connection, and
// copies them into its buffer as it fills it.
func fasthttpParser(head []byte) func() (int, error) {
	r := bytes.NewReader(head)
	br := bufio.NewReaderSize(r, 4096)
	var h fasthttp.RequestHeader
	return func() (int, error) {
		r.Reset(head)
		br.Reset(r)
		h.Reset()
		if err := h.Read(br); err != nil {
			return 0, err
		}
		return h.Len(), nil
	}
}

// nethttpParser is net/http.ReadRequest, what net/http's server calls for
// every request, over a reused bufio.Reader too.
func nethttpParser(head []byte) func() (int, error) {
	r := bytes.NewReader(head)
	br := bufio.NewReaderSize(r, 4096)
	return func() (int, error) {
		r.Reset(head)
		br.Reset(r)
		req, err := http.ReadRequest(br)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, values := range req.Header {
			n += len(values)
		}
		if req.Host != "" {
			n++ // ReadRequest moves Host out of the header map
		}
		return n, nil
	}
}

// BenchmarkParse times each parser on each head: the sub-benchmarks are
// named req=…/parser=… so that benchstat -col /parser sets them side by side.
func BenchmarkParse(b *testing.B) {
	for _, in := range inputs {
		for _, p := range parsers {
			b.Run("req="+in.name+"/parser="+p.name, func(b *testing.B) {
				head := []byte(in.head)
				parse := p.make(head)
				b.SetBytes(int64(len(head)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := parse(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestEveryParserReadsEveryField makes sure that each parser does the
// whole job on both heads: a parser that stopped early, or refused a head,
// would look fast.
func TestEveryParserReadsEveryField(t *testing.T) {
	for _, in := range inputs {
		want := bytes.Count([]byte(in.head), []byte("\r\n")) - 2 // not the request line, not the empty line
		for _, p := range parsers {
			parse := p.make([]byte(in.head))
			for range 2 { // the second call reuses what the first set up
				n, err := parse()
				if err != nil || n != want {
					t.Errorf("%s on %s: %d fields, error %v; want %d fields", p.name, in.name, n, err, want)
				}
			}
		}
	}
}
