//go:build linux

package server

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Benchmarks of the whole server over loopback: a real client on a real
// socket, one loop, the /plaintext route. They measure what unit tests must
// not time. Each op is one request, so allocs/op is what a request costs
// the heap: the testing package counts every goroutine's allocations, the
// loop's included, and the client below allocates nothing per request.
//
//	cd final && go test -run '^$' -bench Plaintext -benchtime 200000x ./server
func BenchmarkPlaintextKeepAlive(b *testing.B)   { benchmarkPlaintext(b, 1) }
func BenchmarkPlaintextPipelined16(b *testing.B) { benchmarkPlaintext(b, 16) }

func benchmarkPlaintext(b *testing.B, depth int) {
	s := startServer(b, Config{Loops: 1})
	c := dial(b, s)
	c.SetDeadline(time.Now().Add(10 * time.Minute)) // a bound, far past any -benchtime
	size := replySize(b, c)
	batch := []byte(strings.Repeat(get, depth))
	answers := make([]byte, size*depth)

	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += depth {
		if _, err := c.Write(batch); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, answers); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if !bytes.HasPrefix(answers, []byte("HTTP/1.1 200 OK\r\n")) {
		b.Fatalf("unexpected answer: %q", answers[:min(len(answers), 64)])
	}
}

// replySize sends one request and returns the size of its response. Every
// /plaintext response has that size: the Date field's format has a fixed
// width.
func replySize(b *testing.B, c net.Conn) int {
	b.Helper()
	if _, err := io.WriteString(c, get); err != nil {
		b.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			b.Fatal(err)
		}
		got = append(got, buf[:n]...)
		end := bytes.Index(got, []byte("\r\n\r\n"))
		if end < 0 {
			continue
		}
		_, after, ok := bytes.Cut(got, []byte("Content-Length: "))
		if !ok {
			b.Fatalf("no Content-Length in %q", got)
		}
		digits, _, _ := bytes.Cut(after, []byte("\r\n"))
		length, err := strconv.Atoi(string(digits))
		if err != nil {
			b.Fatal(err)
		}
		if total := end + 4 + length; len(got) >= total {
			return total
		}
	}
}
