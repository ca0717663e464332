package httpparse

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The benchmark inputs: what curl sends, what a browser sends, a batch of
// pipelined requests as wrk sends them, and a chunked upload.
var (
	curlRequest = "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"

	browserRequest = "GET /static/course.css?v=4 HTTP/1.1\r\n" +
		"Host: localhost:8080\r\n" +
		"Connection: keep-alive\r\n" +
		"sec-ch-ua: \"Chromium\";v=\"156\", \"Not)A;Brand\";v=\"8\"\r\n" +
		"sec-ch-ua-mobile: ?0\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36\r\n" +
		"sec-ch-ua-platform: \"Linux\"\r\n" +
		"Accept: text/css,*/*;q=0.1\r\n" +
		"Sec-Fetch-Site: same-origin\r\n" +
		"Sec-Fetch-Mode: no-cors\r\n" +
		"Sec-Fetch-Dest: style\r\n" +
		"Referer: http://localhost:8080/\r\n" +
		"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
		"Accept-Language: en-GB,en;q=0.9,fr;q=0.8\r\n" +
		"Cookie: session=7f3a9c21e4b84d0f; theme=dark\r\n" +
		"If-None-Match: \"5e1d-19a8c7d4f10\"\r\n" +
		"\r\n"

	pipelinedRequests = strings.Repeat("GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\nAccept: text/plain\r\nConnection: keep-alive\r\n\r\n", 16)

	chunkedRequest = "POST /echo HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"400\r\n" + strings.Repeat("a", 1024) + "\r\n" +
		"400\r\n" + strings.Repeat("b", 1024) + "\r\n" +
		"200;note=last\r\n" + strings.Repeat("c", 512) + "\r\n" +
		"0\r\n\r\n"
)

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
