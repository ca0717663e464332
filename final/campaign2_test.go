//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"
	"epollhttp/step3-parse/httpparse"
)

func TestGracefulShutdownUnderLoad(t *testing.T) {
	const inFlight = 200
	drain := 10 * time.Second
	s := startFinal(t, "-quiet", "-drain-timeout", drain.String())
	// 200 requests in flight: each client has sent its head and half its
	// body. A quarter will send the rest slowly, in pieces, after SIGTERM.
	conns := make([]net.Conn, inFlight)
	for i := range conns {
		c, err := net.DialTimeout("tcp", s.Addr, servertest.Patience)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(servertest.Patience))
		fmt.Fprintf(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\nrequest-%04d", i)
		conns[i] = c
	}
	servertest.WaitUntil(t, "every request under way", func() bool {
		st := fetchStats(t, s.Addr)
		return st.Total.ConnectionsOpen >= inFlight+1
	})
	signalled := time.Now()
	s.Signal(t, syscall.SIGTERM)
	if _, err := s.Stderr.WaitFor(regexpMust(`finishing requests in flight`), servertest.Patience); err != nil {
		t.Fatal(err)
	}

	var complete, closedAfter atomic.Int64
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func(i int, c net.Conn) {
			defer wg.Done()
			rest := fmt.Sprintf("-rest-%03d", i%1000)[:8]
			if i%4 == 0 { // a slow body: three pieces, 100 ms apart
				for _, piece := range []string{rest[:3], rest[3:6], rest[6:]} {
					time.Sleep(100 * time.Millisecond)
					io.WriteString(c, piece)
				}
			} else {
				io.WriteString(c, rest)
			}
			br := bufio.NewReader(c)
			resp := readOne(t, br)
			if strings.HasSuffix(resp, fmt.Sprintf("request-%04d%s", i, rest)) {
				complete.Add(1)
			}
			// Then a clean end: the response said Connection: close, or it
			// came just before the loop heard of the signal and the drain
			// then closed the connection as idle. Either way, no more bytes.
			if rest, err := io.ReadAll(br); len(rest) == 0 && err == nil {
				closedAfter.Add(1)
			}
		}(i, c)
	}
	// No new connection is accepted once draining has begun.
	if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		c.SetDeadline(time.Now().Add(servertest.Patience))
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
		if answer, _ := io.ReadAll(c); len(answer) > 0 {
			t.Errorf("a connection made after SIGTERM was served: %q", answer)
		}
		c.Close()
	}
	wg.Wait()
	code := s.Wait(t, drain+servertest.Patience)
	exited := time.Since(signalled)
	t.Logf("shutdown: %d of %d requests in flight answered in full, %d then closed cleanly; exit status %d after %v",
		complete.Load(), inFlight, closedAfter.Load(), code, exited.Round(time.Millisecond))
	if complete.Load() != inFlight || closedAfter.Load() != inFlight {
		t.Fatalf("%d complete, %d closed after", complete.Load(), closedAfter.Load())
	}
	if code != 0 || exited > drain {
		t.Fatalf("exit status %d after %v (drain timeout %v)", code, exited, drain)
	}
}

func TestSmugglingAttemptsAreRejected(t *testing.T) {
	s := startFinal(t, "-quiet")
	second := "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
	attempts := map[string]string{
		"CL then TE":                   "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"TE then CL":                   "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
		"two Content-Length":           "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nbody",
		"same Content-Length twice":    "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nbody",
		"Content-Length list":          "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4, 4\r\n\r\nbody",
		"TE on HTTP/1.0":               "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"space before the colon":       "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
		"xchunked":                     "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
		"chunked, identity":            "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
		"chunked twice":                "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"vertical tab before chunked":  "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n",
		"chunked with a parameter":     "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked;x=1\r\n\r\n0\r\n\r\n",
		"folded Transfer-Encoding":     "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
		"bare LF after a chunk size":   "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\nbody\r\n0\r\n\r\n",
		"bare LF after chunk data":     "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\n0\r\n\r\n",
		"bare CR in chunk framing":     "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\rbody\r\n0\r\n\r\n",
		"bare LF ending the body":      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\n",
		"a chunk longer than its size": "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nbody\r\n0\r\n\r\n",
	}
	for name, attempt := range attempts {
		answer := exchange(t, s.Addr, attempt+second)
		statuses := strings.Count(answer, "HTTP/1.1 ")
		t.Logf("%-30s -> %s", name, firstLine([]byte(answer)))
		if !strings.HasPrefix(answer, "HTTP/1.1 400 ") || statuses != 1 || !strings.Contains(answer, "Connection: close\r\n") {
			t.Errorf("%s: %d responses, want exactly one 400 that closes:\n%s", name, statuses, answer)
		}
	}
	healthy(t, s.Addr)
}

func regexpMust(s string) *regexpT { return regexpCompile(s) }

// TestBadBytesOverTheNetwork is a network fuzz test: random and mutated
// requests, from step 3's corpus, each on its own connection. After each,
// the server must be alive; it must never answer 2xx to a request that
// step 3's parser rejects; it must never panic.
func TestBadBytesOverTheNetwork(t *testing.T) {
	s := startFinal(t, "-quiet", "-header-timeout", "2s")
	seed := time.Now().UnixNano()
	if v := os.Getenv("NETFUZZ_SEED"); v != "" {
		seed, _ = strconv.ParseInt(v, 10, 64)
	}
	rng := rand.New(rand.NewSource(seed))
	corpus := fuzzCorpus(t)
	inputs := 600
	if testing.Short() {
		inputs = 100
	}
	t.Logf("seed %d (rerun with NETFUZZ_SEED=%d), %d corpus entries, %d inputs", seed, seed, len(corpus), inputs)
	rejected, answered2xx := 0, 0
	for i := 0; i < inputs; i++ {
		input := mutate(rng, corpus[rng.Intn(len(corpus))])
		answer := exchange(t, s.Addr, input)
		p := httpparse.New(httpparse.DefaultLimits())
		_, err := p.Parse([]byte(input))
		if err != nil {
			rejected++
			if strings.HasPrefix(answer, "HTTP/1.1 2") {
				t.Fatalf("input %d was answered %q, but step 3 rejects it (%v):\n%q", i, firstLine([]byte(answer)), err, input)
			}
		} else if strings.HasPrefix(answer, "HTTP/1.1 2") {
			answered2xx++
		}
		if i%50 == 0 {
			healthy(t, s.Addr)
		}
	}
	healthy(t, s.Addr)
	if strings.Contains(s.Stderr.String(), "panic") {
		t.Fatalf("the server panicked:\n%s", s.Stderr)
	}
	t.Logf("network fuzz: %d inputs, %d rejected by step 3 (none answered 2xx), %d answered 2xx", inputs, rejected, answered2xx)
}

// fuzzCorpus reads step 3's fuzz corpus and adds requests of our own routes.
func fuzzCorpus(t *testing.T) []string {
	corpus := []string{
		"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello",
		"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"GET /static/hello.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n",
		"HEAD /headers HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
	}
	files, _ := filepath.Glob("../step3-parse/httpparse/testdata/fuzz/FuzzParse/*")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// The corpus format: "go test fuzz v1" then []byte("...").
		for _, line := range strings.Split(string(raw), "\n") {
			if q, ok := strings.CutPrefix(line, "[]byte("); ok {
				if s, err := strconv.Unquote(strings.TrimSuffix(q, ")")); err == nil {
					corpus = append(corpus, s)
				}
			}
		}
	}
	return corpus
}

// mutate changes a request the ways attackers and broken clients do.
func mutate(rng *rand.Rand, s string) string {
	b := []byte(s)
	for n := 1 + rng.Intn(4); n > 0 && len(b) > 0; n-- {
		i := rng.Intn(len(b))
		switch rng.Intn(7) {
		case 0: // flip a bit
			b[i] ^= 1 << rng.Intn(8)
		case 1: // insert a troublesome byte
			tricky := []byte{'\r', '\n', 0, ' ', '\t', ':', ',', 0x7f, 0xff, '%'}
			b = append(b[:i], append([]byte{tricky[rng.Intn(len(tricky))]}, b[i:]...)...)
		case 2: // delete a byte
			b = append(b[:i], b[i+1:]...)
		case 3: // duplicate a line
			if j := strings.Index(string(b[i:]), "\r\n"); j >= 0 {
				line := append([]byte(nil), b[i:i+j+2]...)
				b = append(b[:i], append(line, b[i:]...)...)
			}
		case 4: // cut it short
			b = b[:i]
		case 5: // add a header that changes framing
			extra := []string{"Content-Length: 3\r\n", "Transfer-Encoding: chunked\r\n", "Expect: 100-continue\r\n", "Connection: close\r\n"}
			if j := strings.Index(string(b), "\r\n"); j >= 0 {
				b = append(b[:j+2], append([]byte(extra[rng.Intn(len(extra))]), b[j+2:]...)...)
			}
		case 6: // a huge field
			if j := strings.Index(string(b), "\r\n"); j >= 0 {
				b = append(b[:j+2], append([]byte("X: "+strings.Repeat("x", rng.Intn(40000))+"\r\n"), b[j+2:]...)...)
			}
		}
	}
	return string(b)
}
