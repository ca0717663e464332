//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"epollhttp/step1-socket/servertest"
)

func TestSlowlorisIsCutOffWhileOthersAreServed(t *testing.T) {
	const (
		attackers     = 500
		headerTimeout = 2 * time.Second
	)
	s := startFinal(t, "-quiet", "-header-timeout", headerTimeout.String())
	start := time.Now()
	var closed, got408 atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < attackers; i++ {
		c, err := net.DialTimeout("tcp", s.Addr, servertest.Patience)
		if err != nil {
			t.Fatalf("attacker %d: %v", i, err)
		}
		wg.Add(1)
		go func(c net.Conn) { // send a byte every 300 ms, never the end of the head
			defer wg.Done()
			defer c.Close()
			c.SetDeadline(time.Now().Add(servertest.Patience))
			go func() {
				for _, b := range []byte("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") {
					if _, err := c.Write([]byte{b}); err != nil {
						return
					}
					time.Sleep(300 * time.Millisecond)
				}
			}()
			answer, _ := io.ReadAll(c) // until the server closes
			if strings.HasPrefix(string(answer), "HTTP/1.1 408 ") {
				got408.Add(1)
			}
			closed.Add(1)
		}(c)
	}

	// Meanwhile a normal client keeps asking, and times every answer.
	var latencies []time.Duration
	c, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for closed.Load() < attackers && time.Since(start) < servertest.Patience {
		c.SetDeadline(time.Now().Add(servertest.Patience))
		asked := time.Now()
		io.WriteString(c, "GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n")
		if resp := readOne(t, br); !strings.HasSuffix(resp, "Hello, World!") {
			t.Fatalf("the normal client got %q", resp)
		}
		latencies = append(latencies, time.Since(asked))
		time.Sleep(10 * time.Millisecond)
	}
	wg.Wait()
	took := time.Since(start)
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	p99, worst := latencies[len(latencies)*99/100], latencies[len(latencies)-1]
	t.Logf("slowloris: %d attackers closed (%d with 408) in %v; normal client: %d answers, p99 %v, worst %v",
		closed.Load(), got408.Load(), took.Round(time.Millisecond), len(latencies), p99, worst)
	if closed.Load() != attackers || got408.Load() != attackers {
		t.Fatalf("%d of %d attackers closed, %d with 408", closed.Load(), attackers, got408.Load())
	}
	if took > headerTimeout+10*time.Second {
		t.Fatalf("the attackers lasted %v with a %v header timeout", took, headerTimeout)
	}
	if p99 > 100*time.Millisecond {
		t.Fatalf("normal client p99 %v, want under 100 ms", p99)
	}
}

// readOne reads one response with a Content-Length.
func readOne(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	var head strings.Builder
	length := 0
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading a response: %v", err)
		}
		head.WriteString(line)
		if n, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			fmt.Sscan(n, &length)
		}
		if line == "\r\n" {
			break
		}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(br, body); err != nil {
		t.Fatalf("reading a body: %v", err)
	}
	return head.String() + string(body)
}

func TestEMFILEFloodNeitherSpinsNorKills(t *testing.T) {
	// 48 descriptors for the whole server process: the flood below asks
	// for many more.
	s := servertest.StartEnv(t, []string{servertest.NoFileEnv + "=48"}, "-addr", "127.0.0.1:0", "-loops", "1", "-quiet", "-trace")
	var held []net.Conn
	shed := 0
	for i := 0; i < 120; i++ {
		c, err := net.DialTimeout("tcp", s.Addr, servertest.Patience)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		c.SetDeadline(time.Now().Add(servertest.Patience))
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil { // closed at once: shed
			shed++
			c.Close()
			continue
		}
		if !strings.HasPrefix(line, "HTTP/1.1 200") {
			t.Fatalf("connection %d got %q", i, line)
		}
		held = append(held, c)
	}
	if shed == 0 {
		t.Fatalf("held %d connections and shed none: the limit was never reached", len(held))
	}
	// At the limit, the loop must sleep: no epoll_wait storm, no CPU.
	waits := regexp.MustCompile(`^loop 0: epoll_wait\(`)
	wakeupsBefore, cpuBefore := s.Stderr.Count(waits), cpuTicks(t, s.PID())
	time.Sleep(time.Second) // the measuring window itself
	wakeups, cpu := s.Stderr.Count(waits)-wakeupsBefore, cpuTicks(t, s.PID())-cpuBefore
	t.Logf("EMFILE: held %d, shed %d; at the limit for 1s: %d wakeups, %d CPU ticks (of 100)", len(held), shed, wakeups, cpu)
	if wakeups > 20 || cpu > 20 {
		t.Fatalf("at the limit the loop woke %d times and used %d ticks in one second", wakeups, cpu)
	}
	for _, c := range held {
		c.Close()
	}
	servertest.WaitUntil(t, "the server to serve again", func() bool {
		c, err := net.Dial("tcp", s.Addr)
		if err != nil {
			return false
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(servertest.Patience))
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
		line, err := bufio.NewReader(c).ReadString('\n')
		return err == nil && strings.HasPrefix(line, "HTTP/1.1 200")
	})
	if s.Exited() {
		t.Fatal("the server died")
	}
}

func TestResetsAndNonReadersLeaveNothingBehind(t *testing.T) {
	root := t.TempDir()
	big := strings.Repeat("0123456789", 1<<20) // 10 MiB
	must(t, os.WriteFile(filepath.Join(root, "big.bin"), []byte(big), 0o644))
	s := startFinal(t, "-quiet", "-root", root, "-write-timeout", "2s", "-header-timeout", "2s")
	healthy(t, s.Addr)
	base, baseFDs := fetchStats(t, s.Addr), s.OpenFDs(t)

	var wg sync.WaitGroup
	attack := func(n int, f func(c *net.TCPConn)) {
		for i := 0; i < n; i++ {
			c, err := net.DialTimeout("tcp", s.Addr, servertest.Patience)
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func(c *net.TCPConn) {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(servertest.Patience))
				f(c)
			}(c.(*net.TCPConn))
		}
	}
	attack(50, func(c *net.TCPConn) { // half a request, then RST
		io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nhalf")
		c.SetLinger(0)
	})
	attack(20, func(c *net.TCPConn) { // RST while a large response is being written
		io.WriteString(c, "GET /static/big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
		io.ReadFull(c, make([]byte, 64<<10))
		c.SetLinger(0)
	})
	// Ask for 10 MiB and never read: the server's output stops, and the
	// write timeout must close these connections.
	var nonReaders []net.Conn
	for i := 0; i < 20; i++ {
		c, err := net.DialTimeout("tcp", s.Addr, servertest.Patience)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET /static/big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
		nonReaders = append(nonReaders, c)
	}
	// Everyone else is served meanwhile.
	for i := 0; i < 20; i++ {
		healthy(t, s.Addr)
	}
	wg.Wait()
	servertest.WaitUntil(t, "the write timeouts", func() bool { return fetchStats(t, s.Addr).Total.Timeouts >= uint64(len(nonReaders)) })
	for _, c := range nonReaders {
		c.Close()
	}
	servertest.WaitUntil(t, "descriptors back to the start", func() bool { return s.OpenFDs(t) <= baseFDs })
	// The loops' pools give back half their spare buffers each second,
	// down to a floor of two per pool: that floor, and 10%, is the margin.
	limit := base.HeapBytes + base.HeapBytes/10 + 256<<10
	var after serverStats
	servertest.WaitUntil(t, "the live heap back within 10% + 256 KiB of the start", func() bool {
		after = fetchStats(t, s.Addr)
		return after.HeapBytes <= limit
	})
	t.Logf("resets: fds %d -> %d; heap %d KiB -> %d KiB; timeouts %d; connections %d",
		baseFDs, s.OpenFDs(t), base.HeapBytes>>10, after.HeapBytes>>10, after.Total.Timeouts, after.Total.ConnectionsAll)
	if after.Total.ConnectionsOpen != 1 { // this /stats request's own
		t.Fatalf("%d connections still open", after.Total.ConnectionsOpen)
	}
}
