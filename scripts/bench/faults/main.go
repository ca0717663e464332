// Command faults attacks a server for a while, the ways the public internet
// does, and counts what happened: slowloris clients (a byte at a time,
// never finishing a head), resetters (half a request, then RST) and
// non-readers (ask for a large response, never read it). It is the attack
// half of scripts/final-soak.sh; wrk is the polite half.
//
//	go run ./bench/faults -addr 127.0.0.1:8080 -duration 30s -path /static/big.bin
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type tally struct {
	slowCut, slow408, resets, nonReadersCut, dialErrors atomic.Int64
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address")
	duration := flag.Duration("duration", 30*time.Second, "how long to attack")
	slow := flag.Int("slow", 50, "slowloris clients at any time")
	resets := flag.Int("resets", 4, "clients that send half a request and reset, in a loop")
	nonReaders := flag.Int("nonreaders", 4, "clients that ask for -path and never read, in a loop")
	path := flag.String("path", "/static/big.bin", "a large response for the non-readers")
	hold := flag.Duration("hold", 5*time.Second, "how long a non-reader holds its connection before giving up")
	flag.Parse()

	var t tally
	stop := time.Now().Add(*duration)
	var wg sync.WaitGroup
	run := func(n int, attack func(*tally)) {
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(stop) {
					attack(&t)
				}
			}()
		}
	}
	run(*slow, func(t *tally) { slowloris(*addr, stop, t) })
	run(*resets, func(t *tally) { reset(*addr, t) })
	run(*nonReaders, func(t *tally) { nonReader(*addr, *path, *hold, t) })
	wg.Wait()
	fmt.Printf("faults: slowloris clients cut off %d (%d with 408), resets %d, non-readers cut off %d, dial errors %d\n",
		t.slowCut.Load(), t.slow408.Load(), t.resets.Load(), t.nonReadersCut.Load(), t.dialErrors.Load())
}

func dial(addr string, t *tally) net.Conn {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.dialErrors.Add(1)
		time.Sleep(100 * time.Millisecond)
		return nil
	}
	return c
}

// slowloris sends a request head a byte every 200 ms, until the server
// cuts it off or the attack ends.
func slowloris(addr string, stop time.Time, t *tally) {
	c := dial(addr, t)
	if c == nil {
		return
	}
	defer c.Close()
	cut := make(chan string, 1)
	go func() {
		answer, _ := io.ReadAll(c)
		cut <- string(answer)
	}()
	head := "GET / HTTP/1.1\r\nHost: soak\r\nX-Slow: " + strings.Repeat("a", 10000)
	for i := 0; i < len(head) && time.Now().Before(stop); i++ {
		if _, err := c.Write([]byte{head[i]}); err != nil {
			break
		}
		select {
		case answer := <-cut:
			t.slowCut.Add(1)
			if strings.HasPrefix(answer, "HTTP/1.1 408 ") {
				t.slow408.Add(1)
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// reset sends half a request, then closes with SO_LINGER 0, which sends RST.
func reset(addr string, t *tally) {
	c := dial(addr, t)
	if c == nil {
		return
	}
	io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: soak\r\nContent-Length: 1000\r\n\r\nhalf a body")
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
	t.resets.Add(1)
	time.Sleep(20 * time.Millisecond)
}

// nonReader asks for a large response and reads none of it; the server's
// write timeout should close the connection, which shows as a write error
// once the client finally writes again.
func nonReader(addr, path string, hold time.Duration, t *tally) {
	c := dial(addr, t)
	if c == nil {
		return
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: soak\r\n\r\n", path)
	deadline := time.Now().Add(hold)
	for time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
		// A request the server will never read (it stopped reading us): a
		// write fails only once the server has closed the connection.
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: soak\r\n\r\n"); err != nil {
			t.nonReadersCut.Add(1)
			return
		}
	}
}
