// Command idleclient opens N keep-alive connections to a server, makes one
// request on each (so the server has really served it, not just accepted
// it), then holds them all idle until stdin is closed. bench-idle.sh
// measures the server's RSS before and while they are held.
//
//	go run ./bench/idleclient -addr 127.0.0.1:8080 -n 10000
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address")
	n := flag.Int("n", 1000, "connections to open and hold")
	flag.Parse()
	conns := make([]net.Conn, 0, *n)
	for i := 0; i < *n; i++ {
		c, err := dialAndAsk(*addr)
		if err != nil {
			fmt.Fprintf(os.Stderr, "idleclient: connection %d: %v\n", i, err)
			os.Exit(1)
		}
		conns = append(conns, c)
	}
	fmt.Printf("idleclient: holding %d idle keep-alive connections\n", len(conns))
	io.Copy(io.Discard, os.Stdin) // until the script closes our stdin
	for _, c := range conns {
		c.Close()
	}
}

// dialAndAsk connects, sends GET /plaintext and reads the whole response,
// leaving the connection open and idle.
func dialAndAsk(addr string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, "GET /plaintext HTTP/1.1\r\nHost: bench\r\n\r\n"); err != nil {
		return nil, err
	}
	br := bufio.NewReader(c)
	length := 0
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if v, ok := strings.CutPrefix(strings.ToLower(line), "content-length: "); ok {
			fmt.Sscan(v, &length)
		}
		if line == "\r\n" {
			break
		}
	}
	if _, err := io.ReadFull(br, make([]byte, length)); err != nil {
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}
