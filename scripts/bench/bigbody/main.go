// Command bigbody promises large request bodies and sends almost nothing of
// them: it opens -n connections, and on each sends a POST whose head
// declares a body of -declare bytes (Content-Length), then -send bytes of
// that body, then nothing more. A server that sizes a buffer from the
// declared length reserves n × declare bytes for n × (a head and a byte) of
// traffic. It is the attacker of scripts/final-bigbody.sh.
//
// Once every request is sent it prints one line and waits (at most -wait)
// for the server to end each connection, reading whatever the server
// answers; then it prints how they ended and exits.
//
//	go run ./bench/bigbody -addr 127.0.0.1:8080 -n 4000 -declare 8388608
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address")
	n := flag.Int("n", 1000, "connections, each with one request")
	declare := flag.Int64("declare", 8<<20, "the body size each request's Content-Length declares")
	send := flag.Int("send", 1, "body bytes actually sent on each connection")
	wait := flag.Duration("wait", 2*time.Minute, "how long to wait for the server to end the connections")
	flag.Parse()

	request := fmt.Sprintf("POST /echo HTTP/1.1\r\nHost: bigbody\r\nContent-Length: %d\r\n\r\n%s",
		*declare, strings.Repeat("x", *send))
	conns := make([]net.Conn, 0, *n)
	for i := 0; i < *n; i++ {
		c, err := net.DialTimeout("tcp", *addr, 10*time.Second)
		if err == nil {
			_, err = io.WriteString(c, request)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bigbody: connection %d: %v\n", i, err)
			os.Exit(1)
		}
		conns = append(conns, c)
	}
	fmt.Printf("bigbody: %s sent %d bytes in all and declared %s of bodies\n",
		plural(len(conns), "connection"), len(conns)*len(request), size(int64(len(conns))**declare))

	// Each connection's end: the server's first status line (if any), read
	// until the server closes, or "" with open true if it never did.
	type end struct {
		status string
		open   bool
	}
	ends := make([]end, len(conns))
	deadline := time.Now().Add(*wait)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			c.SetReadDeadline(deadline)
			br := bufio.NewReader(c)
			line, _ := br.ReadString('\n')
			_, err := io.Copy(io.Discard, br)
			// Still open when the deadline passed: the server never ended it.
			ends[i] = end{status: strings.TrimSpace(line), open: errors.Is(err, os.ErrDeadlineExceeded)}
		}()
	}
	wg.Wait()

	closed, open := 0, 0
	statuses := map[string]int{}
	for _, e := range ends {
		if e.open {
			open++
			continue
		}
		closed++
		if e.status != "" {
			statuses[e.status]++
		}
	}
	if open == 0 {
		fmt.Printf("bigbody: %d closed by the server\n", closed)
	} else {
		fmt.Printf("bigbody: %d closed by the server, %d still open after %v\n", closed, open, *wait)
	}
	names := make([]string, 0, len(statuses))
	for status := range statuses {
		names = append(names, status)
	}
	sort.Strings(names)
	for _, status := range names {
		fmt.Printf("bigbody: %d answered %s\n", statuses[status], status)
	}
	if open > 0 {
		os.Exit(1)
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// size spells a byte count in MiB when it is whole MiB, in bytes otherwise.
func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
