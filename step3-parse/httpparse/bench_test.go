package httpparse

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The benchmark inputs: what curl sends (3 fields, 87 bytes), what a
// browser sends for a stylesheet (15 fields, 606 bytes), a batch of
// pipelined requests as wrk sends them, and a chunked upload.
var (
	// Kept as files (testdata/*.http, CRLF and all) so that
	// scripts/bench/parsers, a module of its own, parses the same bytes.
	curlRequest    = readHead("curl.http")
	browserRequest = readHead("browser.http")

	pipelinedRequests = strings.Repeat("GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\nAccept: text/plain\r\nConnection: keep-alive\r\n\r\n", 16)

	chunkedRequest = "POST /echo HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"400\r\n" + strings.Repeat("a", 1024) + "\r\n" +
		"400\r\n" + strings.Repeat("b", 1024) + "\r\n" +
		"200;note=last\r\n" + strings.Repeat("c", 512) + "\r\n" +
		"0\r\n\r\n"
)

// readHead reads a request head kept in testdata.
func readHead(name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		panic(err)
	}
	return string(b)
}

// parseStream parses every request in in, the way a server loop would.
func parseStream(b *testing.B, p *Parser, in []byte) {
	start := 0
	for start < len(in) {
		step, err := p.Parse(in[start:])
		if err != nil {
			b.Fatal(err)
		}
		if step.Kind == NeedMore && step.Consumed == 0 {
			b.Fatal("incomplete input")
		}
		start += step.Consumed
	}
	if step, _ := p.Parse(in[start:]); step.Kind == Done { // a last message with no body
		return
	}
}

func benchmarkParser(b *testing.B, input string) {
	in := []byte(input)
	p := New(DefaultLimits())
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		parseStream(b, p, in)
	}
}

// benchmarkNetHTTP reads the same bytes with net/http.ReadRequest, bodies
// included, reusing the bufio.Reader as a server would.
func benchmarkNetHTTP(b *testing.B, input string) {
	in := []byte(input)
	r := bytes.NewReader(in)
	br := bufio.NewReaderSize(r, 4096)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Reset(in)
		br.Reset(r)
		for {
			req, err := http.ReadRequest(br)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, req.Body)
		}
	}
}

func BenchmarkCurl(b *testing.B)               { benchmarkParser(b, curlRequest) }
func BenchmarkCurlNetHTTP(b *testing.B)        { benchmarkNetHTTP(b, curlRequest) }
func BenchmarkBrowser(b *testing.B)            { benchmarkParser(b, browserRequest) }
func BenchmarkBrowserNetHTTP(b *testing.B)     { benchmarkNetHTTP(b, browserRequest) }
func BenchmarkPipelined16(b *testing.B)        { benchmarkParser(b, pipelinedRequests) }
func BenchmarkPipelined16NetHTTP(b *testing.B) { benchmarkNetHTTP(b, pipelinedRequests) }
func BenchmarkChunked(b *testing.B)            { benchmarkParser(b, chunkedRequest) }
func BenchmarkChunkedNetHTTP(b *testing.B)     { benchmarkNetHTTP(b, chunkedRequest) }

// TestParsingAllocatesNothing pins the zero-allocation promise outside the
// benchmarks, so a change that breaks it fails the test run.
func TestParsingAllocatesNothing(t *testing.T) {
	for name, input := range map[string]string{"curl": curlRequest, "browser": browserRequest, "pipelined": pipelinedRequests, "chunked": chunkedRequest} {
		in := []byte(input)
		p := New(DefaultLimits())
		parse := func() {
			start := 0
			for {
				step, err := p.Parse(in[start:])
				if err != nil {
					t.Fatal(err)
				}
				start += step.Consumed
				if step.Kind == NeedMore && step.Consumed == 0 {
					return
				}
			}
		}
		parse() // the first request sizes the reused slices
		if allocs := testing.AllocsPerRun(100, parse); allocs != 0 {
			t.Errorf("%s: %.1f allocations per parse, want 0", name, allocs)
		}
	}
}
